#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for RUNS executions each, one after another, at
# the lowest CPU priority, on one core. Seeds come from the project's fixtures (seeds.py).
#
#   fuzz/run.sh                       # 10 million executions per target
#   RUNS=100000 fuzz/run.sh request   # a quick smoke run of one target
#
# Environment: RUNS (default 10000000), TIMEOUT seconds per input (default 10),
# SANITIZER (default none, as in RESULTS.md; address is about half as fast),
# JOBS (default 1; N > 1 runs libFuzzer's fork mode: one run, N worker processes sharing the
# corpus, RUNS counted over all of them, and any crash, timeout or OOM still ends it),
# TRACE_COMPARES (default 1; 0 builds without comparison tracing: about twice as fast on the
# config target, with less guidance for mutations),
# CARGO_TARGET_DIR (default /tmp/target-fuzz-$SANITIZER, or ...-ntc without trace-compares).
# Inputs are capped at 4 KB for expression and jsonpath, 64 KB for config and request.
# Logs go to fuzz/logs/<target>.log; crashes to fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"

RUNS=${RUNS:-10000000}
TIMEOUT=${TIMEOUT:-10}
SANITIZER=${SANITIZER:-none}
JOBS=${JOBS:-1}
TRACE_COMPARES=${TRACE_COMPARES:-1}
build_flags=(--sanitizer "$SANITIZER")
suffix=$SANITIZER
if [ "$TRACE_COMPARES" = 0 ]; then
    build_flags+=(--no-trace-compares)
    suffix=$SANITIZER-ntc
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/target-fuzz-$suffix}
fuzz_flags=()
if [ "$JOBS" -gt 1 ]; then
    # Fork mode ignores timeouts and OOMs unless told otherwise; a finding must end the run.
    fuzz_flags+=(-fork="$JOBS" -ignore_crashes=0 -ignore_timeouts=0 -ignore_ooms=0)
fi
# cargo-fuzz passes nightly-only flags; the stable toolchain accepts them with this.
export RUSTC_BOOTSTRAP=1

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config expression jsonpath request)

python3 seeds.py
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "artifacts/$t"
    case $t in expression | jsonpath) max_len=4096 ;; *) max_len=65536 ;; esac
    echo "== $t: $RUNS runs (log: fuzz/logs/$t.log)"
    start=$(date +%s)
    nice -n 19 cargo fuzz run "${build_flags[@]}" "$t" "corpus/$t" -- ${fuzz_flags[@]+"${fuzz_flags[@]}"} \
        -runs="$RUNS" -timeout="$TIMEOUT" -rss_limit_mb=2048 -max_len="$max_len" \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 > "logs/$t.log" 2>&1 || {
        echo "!! $t stopped with a finding; see fuzz/logs/$t.log and fuzz/artifacts/$t/" >&2
        exit 1
    }
    end=$(date +%s)
    execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || true)
    # Fork mode prints no final stats; its last status line (#N: ...) holds the total.
    [ -n "$execs" ] || execs=$(grep -ao '^#[0-9]*:' "logs/$t.log" | tail -1 | tr -d '#:' || true)
    echo "   $execs executions in $((end - start)) s; corpus: $(ls "corpus/$t" | wc -l) files"
done
