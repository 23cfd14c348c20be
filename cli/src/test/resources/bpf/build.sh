#!/bin/sh
# Rebuilds the command line's test objects (needs clang >= 18 and libbpf-dev); the .o files are committed.
set -eu
cd "$(dirname "$0")"
for src in *.c; do
    clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c "$src" -o "${src%.c}.o"
done
