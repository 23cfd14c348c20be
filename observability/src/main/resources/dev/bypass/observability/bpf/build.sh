#!/bin/sh
# Rebuilds the observability BPF objects next to their sources (Debian packages clang, libbpf-dev); the committed
# .o files let the project build without them.
set -eu
cd "$(dirname "$0")"
for src in *.c; do
    clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu -c "$src" -o "${src%.c}.o"
    echo "built ${src%.c}.o"
done
