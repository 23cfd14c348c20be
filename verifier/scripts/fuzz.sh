#!/usr/bin/env bash
# Runs the verifier's soundness fuzzer (SoundnessFuzzTest: state embedding, faults, JIT agreement) on N programs
# (default 1,000,000) from SEED, and on ITERATORS programs (default 200) of the series with open-coded iterator loops.
# Usage: verifier/scripts/fuzz.sh [N] [SEED] [ITERATORS]
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/java-env
export JAVA_HOME="$BYPASS_JAVA_HOME"
./mvnw -q -B -pl verifier -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=SoundnessFuzzTest \
    -Dbypass.fuzz.count="${1:-1000000}" -Dbypass.fuzz.seed="${2:-20261207}" -Dbypass.fuzz.iterators="${3:-200}"
