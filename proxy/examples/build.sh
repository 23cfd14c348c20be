#!/bin/sh
# Rebuilds the example objects next to their sources, against the header `bypass gen header proxy` prints (kept
# here as bypass_proxy.h; a test checks it is the one printed). Needs clang and libbpf-dev.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../../bin/build-bpf" "$here" -I"$here"
