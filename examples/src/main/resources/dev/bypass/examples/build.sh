#!/bin/sh
# Rebuilds the example objects next to their sources (see bin/build-bpf), against the store's helper header and the
# proxy's ABI header (proxy/examples/bypass_proxy.h, the one `bypass gen header proxy` prints).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../../../../../../.."
exec "$root/bin/build-bpf" "$here" -I"$root/txn-store/src/main/resources/dev/bypass/txnstore/bpf" -I"$root/proxy/examples"
