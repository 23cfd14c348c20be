#!/bin/sh
# Rebuilds the test-only BPF objects (needs clang and libbpf-dev); the .o files are committed.
set -eu
cd "$(dirname "$0")"
for src in *.c; do
    clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c "$src" -o "${src%.c}.o"
done
