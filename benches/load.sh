#!/usr/bin/env bash
# Load tests of oxynapse against a direct call and nginx, following the protocol of
# shared/reference/performance-anchors.md §5 on a 2-CPU machine:
#   - the system under test (SUT) on CPU 0 (taskset -c 0), one process, fresh for each run;
#   - the backend (nginx, fixed JSON bodies) and the load generator (wrk -t1) on CPU 1;
#   - HTTP/1.1 keep-alive on both legs, logs off everywhere, POST of a JSON body of each size.
# Scenarios: (a) direct to the backend, (b) nginx proxy_pass, (c) oxynapse Direct Proxy,
# (d) the seed's sample proxy against a GoToWebinar-shaped backend, (e) content-based routing.
# Metrics: req/s, p50/p99 (wrk), SUT CPU-µs/req (utime+stime from /proc/PID/stat over the
# measured requests), SUT peak RSS (VmHWM); exec-to-first-200 with proxies/, and deploying 1,000
# proxies. Writes benches/RESULTS.md (or --out FILE) and prints it.
#
#   benches/load.sh --quick        # about a minute: 1 KB, c=50, every scenario, 2 repetitions
#   benches/load.sh                # full: 500 B, 1 KB, 10 KB, 100 KB × c=1, 50, 200
#   options: --reps N  --duration S  --warmup S  --sizes "500 1024"  --conns "1 50"
#            --scenarios "direct nginx oxy-direct oxy-seed oxy-cbr"  --out FILE  --no-build
#            --keep (keep the work folder)  --no-startup (skip start-up and 1,000-proxy timing)
#            --callgrind (also count oxynapse's user-space instructions per request, 1 KB, c=50,
#            under valgrind: repeatable where wall-clock CPU on a shared machine is not)
# Needs root (or sudo) only to install nginx and wrk when they are missing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=full
REPS=""
DURATION=""
WARMUP=""
SIZES=""
CONNS=""
SCENARIOS="direct nginx oxy-direct oxy-seed oxy-cbr"
OUT="$ROOT/benches/RESULTS.md"
BUILD=1
KEEP=0
STARTUP=1
CALLGRIND=0
STARTUP_TRIES=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) MODE=quick ;;
        --reps) REPS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --sizes) SIZES=$2; shift ;;
        --conns) CONNS=$2; shift ;;
        --scenarios) SCENARIOS=$2; shift ;;
        --out) OUT=$2; shift ;;
        --no-build) BUILD=0 ;;
        --keep) KEEP=1 ;;
        --no-startup) STARTUP=0 ;;
        --callgrind) CALLGRIND=1 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
if [[ $MODE == quick ]]; then
    : "${REPS:=2}" "${DURATION:=4}" "${WARMUP:=1}" "${SIZES:=1024}" "${CONNS:=50}" "${STARTUP_TRIES:=5}"
else
    : "${REPS:=3}" "${DURATION:=10}" "${WARMUP:=3}" "${SIZES:=500 1024 10240 102400}" "${CONNS:=1 50 200}" "${STARTUP_TRIES:=10}"
fi

log() { printf '[load] %s\n' "$*" >&2; }
die() { printf '[load] error: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ tools
PATH="$PATH:/usr/sbin:/sbin"
need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v taskset >/dev/null || need+=(util-linux)
command -v curl >/dev/null || need+=(curl)
[[ $CALLGRIND -eq 0 ]] || command -v valgrind >/dev/null || need+=(valgrind)
if [[ ${#need[@]} -gt 0 ]]; then
    log "installing ${need[*]} from Debian"
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
    # Debian's package starts a system-wide nginx where it can; this script runs its own.
    if command -v service >/dev/null; then $SUDO service nginx stop >/dev/null 2>&1 || true; fi
fi
[[ $(nproc) -ge 2 ]] || die "the protocol needs 2 CPUs (SUT on CPU 0, backend and wrk on CPU 1)"
CLK_TCK=$(getconf CLK_TCK)

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
if [[ $BUILD -eq 1 ]]; then
    log "building (release)"
    (cd "$ROOT" && cargo build --release -q -p oxynapse -p oxynapse-benches --bins)
fi
OXY=$TARGET_DIR/release/oxynapse
PROBE=$TARGET_DIR/release/oxy-bench
[[ -x $OXY && -x $PROBE ]] || die "missing $OXY or $PROBE (build without --no-build)"

# ------------------------------------------------------------------ work folder and cleanup
WORK=$(mktemp -d /tmp/oxy-load.XXXXXX)
chmod 755 "$WORK" # nginx workers run as an unprivileged user when started by root
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ $KEEP -eq 1 ]]; then log "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local p
    while true; do
        # Below Linux's ephemeral range (32768-60999): a port picked there can be taken as the
        # local port of a connection between runs, and nginx then cannot bind it.
        p=$((20000 + RANDOM % 12000))
        port_free "$p" && { echo "$p"; return; }
    done
}
BACKEND_PORT=$(free_port)
SUT_PORT=$(free_port)
MGMT_PORT=$(free_port)
while [[ $SUT_PORT == "$BACKEND_PORT" ]]; do SUT_PORT=$(free_port); done
while [[ $MGMT_PORT == "$BACKEND_PORT" || $MGMT_PORT == "$SUT_PORT" ]]; do MGMT_PORT=$(free_port); done

# ------------------------------------------------------------------ bodies
# {"symbol":"IBM","pad":"xxx…"} and the seed's request padded the same way, SIZE bytes each.
padded() { # SIZE PREFIX
    local n=$(($1 - ${#2} - 2))
    ((n >= 0)) || die "body prefix longer than $1 bytes"
    printf '%s' "$2"
    head -c "$n" /dev/zero | tr '\0' x
    printf '"}'
}
SEED_PREFIX='{"apiUrl":"http://127.0.0.1:'$BACKEND_PORT'","accessToken":"UEGGrwswKRwB07lTOr0EoppdaxKo","organizerKey":"3697511743350317068","clientId":"IJfcaqp3xC034WXD1GGlstejnJS41huo","refreshToken":"MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm","webinarKey":"6487648931392511233","sessionKey":"2167614","pad":"'
SESSION_JSON='{"sessionKey":2167614,"webinarKey":6487648931392511233,"webinarName":"Quarterly update","startTime":"2026-03-12T15:00:00Z","endTime":"2026-03-12T16:00:00Z","registrantsAttended":42}'
mkdir -p "$WORK/www/b" "$WORK/bodies" "$WORK/tmp"
for size in $SIZES 1024; do
    padded "$size" '{"symbol":"IBM","pad":"' >"$WORK/bodies/order-$size.json"
    padded "$size" "$SEED_PREFIX" >"$WORK/bodies/seed-$size.json"
    # The backend answers with a JSON body of the request's size, as an echo would.
    padded "$size" '{"status":"ok","pad":"' >"$WORK/www/b/$size"
done

# ------------------------------------------------------------------ nginx configs
nginx_common() { # NAME
    cat <<EOF
worker_processes 1;
daemon off;
pid $WORK/$1.pid;
error_log $WORK/$1-error.log warn;
events { worker_connections 4096; }
EOF
}
nginx_http_common() { # NAME
    cat <<EOF
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    client_max_body_size 10m;
    client_body_buffer_size 1m;
    client_body_temp_path $WORK/tmp/$1-body;
    proxy_temp_path $WORK/tmp/$1-proxy;
    fastcgi_temp_path $WORK/tmp/$1-fastcgi;
    uwsgi_temp_path $WORK/tmp/$1-uwsgi;
    scgi_temp_path $WORK/tmp/$1-scgi;
    types { }
    default_type application/json;
EOF
}
{
    nginx_common backend
    echo "http {"
    nginx_http_common backend
    cat <<EOF
    server {
        listen 127.0.0.1:$BACKEND_PORT backlog=4096;
        # Static files answer POST with 405; this turns it into the file with 200.
        location /b/ { root $WORK/www; error_page 405 =200 \$uri; }
        location /G2W/rest/organizers/ { return 200 '$SESSION_JSON'; }
    }
}
EOF
} >"$WORK/backend.conf"
{
    nginx_common sut-nginx
    echo "http {"
    nginx_http_common sut-nginx
    cat <<EOF
    upstream be { server 127.0.0.1:$BACKEND_PORT; keepalive 256; keepalive_requests 10000000; }
    server {
        listen 127.0.0.1:$SUT_PORT backlog=4096;
        location / {
            proxy_pass http://be;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffer_size 16k;
            proxy_buffers 16 16k;
        }
    }
}
EOF
} >"$WORK/sut-nginx.conf"

# ------------------------------------------------------------------ oxynapse configs
mkdir -p "$WORK/deploy-direct" "$WORK/deploy-cbr" "$WORK/deploy-seed"
for size in $SIZES 1024; do
    cat >"$WORK/deploy-direct/direct_$size.xml" <<EOF
<proxy xmlns="http://ws.apache.org/ns/synapse" name="direct_$size" transports="http">
  <target>
    <inSequence>
      <send><endpoint><address uri="http://127.0.0.1:$BACKEND_PORT/b/$size"/></endpoint></send>
    </inSequence>
    <outSequence><send/></outSequence>
  </target>
</proxy>
EOF
    cat >"$WORK/deploy-cbr/cbr_$size.xml" <<EOF
<proxy xmlns="http://ws.apache.org/ns/synapse" name="cbr_$size" transports="http">
  <target>
    <inSequence>
      <switch source="json-eval(\$.symbol)">
        <case regex="IBM">
          <send><endpoint><address uri="http://127.0.0.1:$BACKEND_PORT/b/$size"/></endpoint></send>
        </case>
        <case regex="MSFT">
          <send><endpoint><address uri="http://127.0.0.1:$BACKEND_PORT/b/$size?msft"/></endpoint></send>
        </case>
        <default>
          <property name="HTTP_SC" value="404" scope="axis2"/>
          <respond/>
        </default>
      </switch>
    </inSequence>
    <outSequence><send/></outSequence>
  </target>
</proxy>
EOF
done
cp "$ROOT/proxies/gotowebinar_getSessionById.xml" "$WORK/deploy-seed/"

# ------------------------------------------------------------------ processes
# A stopped process leaves PIDS, so the cleanup never signals a PID reused by someone else.
forget_pid() {
    local keep=() pid
    for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
    PIDS=("${keep[@]}")
}
start_backend() {
    taskset -c 1 nginx -p "$WORK" -c "$WORK/backend.conf" &
    BACKEND_PID=$!
    PIDS+=("$BACKEND_PID")
    wait_http "http://127.0.0.1:$BACKEND_PORT/b/1024" || die "the backend did not start (see $WORK/backend-error.log)"
}

# Starts SUT for SCENARIO on CPU 0; sets SUT_PID and SUT_URL_PATH_PREFIX.
start_sut() { # SCENARIO
    local data="$WORK/data-$RANDOM$RANDOM"
    case "$1" in
        direct) SUT_PID=""; return ;;
        nginx)
            taskset -c 0 nginx -p "$WORK" -c "$WORK/sut-nginx.conf" &
            SUT_PID=$!
            ;;
        oxy-*)
            local dir="$WORK/deploy-${1#oxy-}"
            RUST_LOG=warn taskset -c 0 "$OXY" serve --deploy-dir "$dir" --port "$SUT_PORT" \
                --management-port "$MGMT_PORT" --data-dir "$data" --host 127.0.0.1 --no-watch \
                >>"$WORK/oxynapse.log" 2>&1 &
            SUT_PID=$!
            ;;
    esac
    PIDS+=("$SUT_PID")
    wait_http "http://127.0.0.1:$SUT_PORT/healthz" "http://127.0.0.1:$SUT_PORT/b/1024" \
        || die "$1 did not start (see $WORK/*.log)"
}

stop_sut() {
    [[ -n ${SUT_PID:-} ]] || return 0
    kill "$SUT_PID" 2>/dev/null || true
    wait "$SUT_PID" 2>/dev/null || true
    forget_pid "$SUT_PID"
    SUT_PID=""
    # The next SUT binds the same port.
    local i
    for i in $(seq 100); do port_free "$SUT_PORT" && return 0; sleep 0.05; done
    die "port $SUT_PORT still busy"
}

wait_http() { # URL... : any one answering 200 is enough
    local i url
    for i in $(seq 200); do
        for url in "$@"; do
            [[ $(curl -s -o /dev/null -w '%{http_code}' "$url" || true) == 200 ]] && return 0
        done
        sleep 0.05
    done
    return 1
}

# The SUT's processes: the PID and its children (nginx's worker).
sut_pids() { echo "$SUT_PID"; pgrep -P "$SUT_PID" || true; }
cpu_ticks() {
    local total=0 pid t
    for pid in $(sut_pids); do
        # Fields after "pid (comm) ": $12 utime, $13 stime.
        t=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
        total=$((total + t))
    done
    echo "$total"
}
peak_rss_kb() {
    local total=0 pid kb
    for pid in $(sut_pids); do
        kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
        total=$((total + kb))
    done
    echo "$total"
}

cat >"$WORK/post.lua" <<'EOF'
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
EOF

run_wrk() { # URL BODY CONNS SECONDS
    BODY_FILE=$2 taskset -c 1 wrk -t1 -c"$3" -d"$4s" --timeout 10s -s "$WORK/post.lua" "$1"
}

url_and_body() { # SCENARIO SIZE -> "URL BODYFILE"
    case "$1" in
        direct) echo "http://127.0.0.1:$BACKEND_PORT/b/$2 $WORK/bodies/order-$2.json" ;;
        nginx) echo "http://127.0.0.1:$SUT_PORT/b/$2 $WORK/bodies/order-$2.json" ;;
        oxy-direct) echo "http://127.0.0.1:$SUT_PORT/services/direct_$2 $WORK/bodies/order-$2.json" ;;
        oxy-cbr) echo "http://127.0.0.1:$SUT_PORT/services/cbr_$2 $WORK/bodies/order-$2.json" ;;
        oxy-seed) echo "http://127.0.0.1:$SUT_PORT/services/gotowebinar_getSessionById $WORK/bodies/seed-$2.json" ;;
        *) die "unknown scenario $1" ;;
    esac
}

# One measurement: fresh SUT, a correctness check, warm-up, then the measured wrk run.
# Appends scenario, size, conns, rep, req/s, p50 µs, p99 µs, CPU-µs/req, peak RSS kB, errors.
measure() { # SCENARIO SIZE CONNS REP
    local scenario=$1 size=$2 conns=$3 rep=$4 url body
    read -r url body < <(url_and_body "$scenario" "$size")
    start_sut "$scenario"
    local check
    check=$(curl -s -o "$WORK/check.out" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data-binary "@$body" "$url" || true)
    [[ $check == 200 ]] || die "$scenario answered $check to $url: $(head -c 300 "$WORK/check.out")"
    run_wrk "$url" "$body" "$conns" "$WARMUP" >/dev/null
    local before after out
    [[ -z $SUT_PID ]] || before=$(cpu_ticks)
    out=$(run_wrk "$url" "$body" "$conns" "$DURATION")
    [[ -z $SUT_PID ]] || after=$(cpu_ticks)
    local requests duration_us errors status_errors p50 p99
    read -r requests duration_us errors status_errors p50 p99 < <(grep '^RESULT ' <<<"$out" | cut -d' ' -f2-)
    [[ -n ${requests:-} ]] || die "no result from wrk for $scenario: $out"
    local rps cpu=- rss=-
    rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.1f", r / (d / 1e6) }')
    if [[ -n $SUT_PID ]]; then
        cpu=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v r="$requests" \
            'BEGIN { printf "%.2f", t * 1e6 / hz / r }')
        rss=$(peak_rss_kb)
    fi
    stop_sut
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$size" "$conns" "$rep" \
        "$rps" "$p50" "$p99" "$cpu" "$rss" "$((errors + status_errors))" >>"$RESULTS"
    log "$(printf '%-10s %6s B c=%-3s rep %s: %9s req/s  p50 %6s µs  p99 %7s µs  CPU %6s µs/req  RSS %6s kB  errors %s' \
        "$scenario" "$size" "$conns" "$rep" "$rps" "$p50" "$p99" "$cpu" "$rss" "$((errors + status_errors))")"
}

# Median and range of `oxy-bench startup` timings over TRIES fresh starts.
# The first PATH is polled until it answers 200, then each of the others; VERIFY_FILE lists
# paths checked afterwards (untimed, first try only).
startup_series() { # KEY TRIES DEPLOY_DIR BODY VERIFY_FILE|- PATH...
    local key=$1 tries=$2 dir=$3 body=$4 verify=$5 i line path
    shift 5
    local paths=()
    for path in "$@"; do paths+=(--path "$path"); done
    : >"$WORK/$key.txt"
    for i in $(seq "$tries"); do
        local extra=()
        [[ $verify != - && $i -eq 1 ]] && extra=(--verify-file "$verify")
        line=$(taskset -c 1 "$PROBE" startup --port "$SUT_PORT" --body "$body" "${paths[@]}" \
            "${extra[@]}" -- taskset -c 0 env RUST_LOG=warn "$OXY" serve --deploy-dir "$dir" \
            --port "$SUT_PORT" --management-port "$MGMT_PORT" --data-dir "$WORK/data-$key-$i" \
            --host 127.0.0.1 --no-watch 2>>"$WORK/oxynapse.log") || die "$key: $line"
        log "$key try $i: $line"
        echo "$line" >>"$WORK/$key.txt"
        for _ in $(seq 100); do port_free "$SUT_PORT" && break; sleep 0.05; done
    done
    local values
    values=$(grep -o 'all_ms=[0-9.]*' "$WORK/$key.txt" | cut -d= -f2 | sort -g)
    {
        echo "${key}_ms=$(awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m }' <<<"$values")"
        echo "${key}_range=$(head -1 <<<"$values")–$(tail -1 <<<"$values")"
        echo "${key}_cpu_ms=$(grep -o 'cpu_ms=[0-9.]*' "$WORK/$key.txt" | cut -d= -f2 | sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m }')"
        echo "${key}_rss_kb=$(grep -o 'rss_kb=[0-9]*' "$WORK/$key.txt" | sed -n 1p | cut -d= -f2)"
        if grep -q verified= "$WORK/$key.txt"; then
            echo "${key}_verified=$(grep -o 'verified=[0-9/]*' "$WORK/$key.txt" | sed -n 1p | cut -d= -f2)"
        fi
    } >>"$META"
}

# ------------------------------------------------------------------ run
RESULTS=$WORK/results.tsv
META=$WORK/meta.env
echo "# scenario size conns rep rps p50_us p99_us cpu_us_per_req peak_rss_kb errors" >"$RESULTS"
{
    echo "mode=$MODE"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "kernel=Linux $(uname -r)"
    echo "nginx=$(nginx -v 2>&1 | sed 's/.*version: //')"
    echo "wrk=$(wrk -v 2>&1 | sed -n 1p | awk '{print $1, $2}')"
    echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+changes')"
    echo "method=SUT pinned to CPU 0, nginx backend and wrk -t1 on CPU 1, keep-alive on both legs, warm-up ${WARMUP} s then ${DURATION} s measured, ${REPS} repetition(s) interleaved across scenarios, a fresh SUT per measurement; CPU-µs/req = SUT utime+stime ÷ requests (CLK_TCK $CLK_TCK)"
} >"$META"

start_backend
log "backend on :$BACKEND_PORT (CPU 1), SUT on :$SUT_PORT (CPU 0); mode $MODE, sizes [$SIZES], conns [$CONNS], reps $REPS"

for rep in $(seq "$REPS"); do
    for size in $SIZES; do
        for conns in $CONNS; do
            for scenario in $SCENARIOS; do
                measure "$scenario" "$size" "$conns" "$rep"
            done
        done
    done
done

# Instructions per request: the SUT under callgrind, instrumentation on only for the measured
# window (after a warm-up), total Ir ÷ requests answered in that window.
callgrind_ir() { # SCENARIO
    local scenario=$1 url body data="$WORK/data-cg-$RANDOM" out="$WORK/callgrind.$1.out"
    read -r url body < <(url_and_body "$scenario" 1024)
    rm -f "$out" "$out".*
    RUST_LOG=warn taskset -c 0 valgrind --tool=callgrind --instr-atstart=no \
        --callgrind-out-file="$out" "$OXY" serve --deploy-dir "$WORK/deploy-${scenario#oxy-}" \
        --port "$SUT_PORT" --management-port "$MGMT_PORT" --data-dir "$data" --host 127.0.0.1 \
        --no-watch >>"$WORK/callgrind.log" 2>&1 &
    SUT_PID=$!
    PIDS+=("$SUT_PID")
    local i
    for i in $(seq 600); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SUT_PORT/healthz" || true) == 200 ]] && break
        sleep 0.1
    done
    run_wrk "$url" "$body" 50 3 >/dev/null
    callgrind_control -i on "$SUT_PID" >/dev/null 2>&1 || true
    local result
    result=$(run_wrk "$url" "$body" 50 8 | grep '^RESULT ' || true)
    callgrind_control -i off "$SUT_PID" >/dev/null 2>&1 || true
    # The dump can outlast callgrind_control's own wait: poll for the file.
    callgrind_control -d "$SUT_PID" >/dev/null 2>&1 || true
    for i in $(seq 200); do [[ -s $out.1 ]] && break; sleep 0.1; done
    sleep 0.5
    stop_sut
    local requests ir
    requests=$(cut -d' ' -f2 <<<"$result")
    ir=$(callgrind_annotate "$out.1" 2>/dev/null | awk '/PROGRAM TOTALS/ && !seen { gsub(",", "", $1); print $1; seen = 1 }')
    [[ -n $requests && -n $ir && $requests -gt 0 ]] || { log "callgrind $scenario: no result"; return 0; }
    log "callgrind $scenario: $((ir / requests)) instructions per request over $requests requests"
    echo "ir_$scenario=$((ir / requests)) over $requests requests" >>"$META"
}

if [[ $CALLGRIND -eq 1 ]]; then
    for scenario in $SCENARIOS; do
        if [[ $scenario == oxy-* ]]; then callgrind_ir "$scenario"; fi
    done
fi

if [[ $STARTUP -eq 1 ]]; then
    # Start-up with the repository's proxies/ folder: exec until the seed proxy answers 200.
    startup_series startup "$STARTUP_TRIES" "$ROOT/proxies" "$WORK/bodies/seed-1024.json" - \
        /services/gotowebinar_getSessionById

    # 1,000 proxies shaped like the seed proxy: exec until the last one and a sample answer.
    mkdir -p "$WORK/deploy-1000"
    : >"$WORK/all-1000.txt"
    for i in $(seq 0 999); do
        sed "s/name=\"gotowebinar_getSessionById\"/name=\"seed_$i\"/" \
            "$ROOT/proxies/gotowebinar_getSessionById.xml" >"$WORK/deploy-1000/seed_$i.xml"
        echo "/services/seed_$i" >>"$WORK/all-1000.txt"
    done
    startup_series deploy1000 "$((STARTUP_TRIES < 5 ? STARTUP_TRIES : 5))" "$WORK/deploy-1000" \
        "$WORK/bodies/seed-1024.json" "$WORK/all-1000.txt" \
        /services/seed_999 /services/seed_0 /services/seed_1 /services/seed_250 /services/seed_500 \
        /services/seed_750 /services/seed_998
fi

mkdir -p "$(dirname "$OUT")"
"$PROBE" report "$RESULTS" "$META" >"$OUT"
cp "$RESULTS" "${OUT%.md}.tsv" 2>/dev/null || true
log "wrote $OUT"
cat "$OUT"
