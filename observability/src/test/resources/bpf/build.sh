#!/bin/sh
# Rebuilds the test objects (Debian packages clang, libbpf-dev); the .o files are committed.
set -eu
cd "$(dirname "$0")"
cp ../../../main/resources/dev/bypass/observability/bpf/bypass_observe.h .
for src in *.c; do
    clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu -c "$src" -o "${src%.c}.o"
done
