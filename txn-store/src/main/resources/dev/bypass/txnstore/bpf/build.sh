#!/bin/sh
# Rebuilds the objects next to their sources (see bin/build-bpf).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../../../../../../../../bin/build-bpf" "$here"
