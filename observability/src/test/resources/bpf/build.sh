#!/bin/sh
# Rebuilds the test objects (see bin/build-bpf); they include the observability header.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../../../../../bin/build-bpf" "$here" -I "$here/../../../main/resources/dev/bypass/observability/bpf"
