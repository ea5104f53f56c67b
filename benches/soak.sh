#!/usr/bin/env bash
# The soak test of issue 7 (not part of CI): the release oxynapse holds 70 % of its maximum
# load (measured first, in a closed loop over the same mix) for 10 minutes, through good and
# faulty backends mixed, while its RSS and open file descriptors are sampled every 10 s; after
# the load, every FD it still holds must be a pooled backend connection. Everything runs in `oxy-soak`
# (benches/src/bin/oxy-soak.rs): its own backends (a JSON echo; a refused port, a backend that
# never answers, one that resets mid-response, one answering 500 with HTML), a temporary deploy
# folder, the engine pinned to CPU 0, and the load generator with the backends on CPU 1.
#
#   benches/soak.sh --write        # the record: 10 minutes, writes benches/SOAK.md (quiet machine!)
#   benches/soak.sh --quick        # 1 minute (10 s for the maximum), prints the report only
#   options: --duration 10m|600  --load 0.7  --rate R (skip the maximum)  --max-secs 20
#            --conns N  --max-on mix|good|relay  --good-share 0.8  --timeout-ms 500  --max-in-flight 512
#            --out FILE  --note TEXT  --no-build  --keep (keep the work folder)
# The exit status is 1 when the verdict is FAIL, 2 when the soak could not run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=1
ARGS=()
QUICK=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --no-build) BUILD=0 ;;
        --write) ARGS+=(--out "$ROOT/benches/SOAK.md") ;;
        --keep|--no-pin) ARGS+=("$1") ;;
        --duration|--load|--rate|--max-secs|--conns|--max-on|--good-share|--timeout-ms|--out|--note|--body-bytes|--max-in-flight)
            [[ $# -ge 2 ]] || { echo "$1 needs a value" >&2; exit 2; }
            ARGS+=("$1" "$2"); shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
# --quick first, so that a --duration given as well wins.
[[ $QUICK -eq 0 ]] || ARGS=(--duration 60 --max-secs 10 "${ARGS[@]}")

log() { printf '[soak] %s\n' "$*" >&2; }

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
if [[ $BUILD -eq 1 ]]; then
    log "building (release)"
    (cd "$ROOT" && cargo build --release -q -p oxynapse -p oxynapse-benches --bin oxynapse --bin oxy-soak)
fi
OXY=$TARGET_DIR/release/oxynapse
SOAK=$TARGET_DIR/release/oxy-soak
[[ -x $OXY && -x $SOAK ]] || { echo "missing $OXY or $SOAK (build without --no-build)" >&2; exit 2; }

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+changes')"
# The generator and the backends on CPU 1; oxy-soak pins the engine to CPU 0 itself.
PIN=()
if command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then PIN=(taskset -c 1); fi
exec "${PIN[@]}" "$SOAK" --oxynapse "$OXY" --commit "$COMMIT" "${ARGS[@]}"
