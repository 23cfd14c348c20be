#!/usr/bin/env bash
# Runs the verifier's soundness fuzzer on N programs (default 1,000,000) from SEED: every accepted program is run
# in the interpreter and must not fault. Usage: verifier/scripts/fuzz.sh [N] [SEED]
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/java-env
export JAVA_HOME="$BYPASS_JAVA_HOME"
./mvnw -q -B -pl verifier -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=SoundnessFuzzTest \
    -Dbypass.fuzz.count="${1:-1000000}" -Dbypass.fuzz.seed="${2:-20261125}"
