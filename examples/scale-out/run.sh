#!/usr/bin/env bash
# Two oxynapse instances behind nginx, sharing one Redis registry and one GoToWebinar API
# (the bundled simulator). Sends steady traffic through nginx, restarts instance A the rolling
# way (out of nginx, SIGTERM, start, wait for /healthz, back into nginx), and prints the
# requests sent, the failures (there must be none) and the restart timing.
#
# Needs Debian's nginx and redis-server (apt-get install -y nginx redis-server) and curl.
# Everything runs on 127.0.0.1 in a temporary folder, as the current user; nothing is
# installed or left behind. Ports: BASE_PORT (18000) + 80 nginx, +164/+165 management of A/B,
# +280 simulator, +291/+292 services of A/B, +379 redis.
#
# Settings (environment): BASE_PORT, WORKERS (4 curl loops), WARMUP_SECONDS (5),
# AFTER_SECONDS (5), TOKEN_INTERVAL_MS (4000: tokens go stale every 4 s, so both instances
# keep refreshing through the shared lock), SKIP_BUILD=1 to use existing release binaries.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BASE=${BASE_PORT:-18000}
NGINX_PORT=$((BASE + 80))
SIM_PORT=$((BASE + 280))
REDIS_PORT=$((BASE + 379))
A_PORT=$((BASE + 291)) A_MGMT=$((BASE + 164))
B_PORT=$((BASE + 292)) B_MGMT=$((BASE + 165))
WORKERS=${WORKERS:-4}
WARMUP=${WARMUP_SECONDS:-5}
AFTER=${AFTER_SECONDS:-5}
TOKEN_INTERVAL_MS=${TOKEN_INTERVAL_MS:-4000}
PROXY=/services/gotowebinar_getSessionById

for tool in nginx redis-server redis-cli curl; do
    command -v "$tool" >/dev/null || {
        echo "error: $tool is missing; on Debian: apt-get install -y nginx redis-server curl" >&2
        exit 1
    }
done

if [ "${SKIP_BUILD:-}" != 1 ]; then
    echo "building release binaries..."
    (cd "$ROOT" && cargo build --release --quiet --bin oxynapse &&
        cargo build --release --quiet -p gotowebinar-simulator --example gotowebinar_simulator)
fi
OXYNAPSE=$TARGET/release/oxynapse
SIMULATOR=$TARGET/release/examples/gotowebinar_simulator

WORK=$(mktemp -d /tmp/oxynapse-scale-out.XXXXXX)
PIDS=()
cleanup() {
    touch "$WORK/stop"
    [ -f "$WORK/nginx.pid" ] && nginx -p "$WORK" -c "$WORK/nginx.conf" -s quit 2>/dev/null || true
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for name in a b; do
        [ -f "$WORK/$name.pid" ] && kill "$(cat "$WORK/$name.pid")" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Polls `url` until it answers 200; prints how many ms that took.
wait_for() {
    local url=$1 started
    started=$(now_ms)
    until curl -fs -o /dev/null "$url"; do
        if [ $(($(now_ms) - started)) -gt 30000 ]; then
            echo "error: $url did not answer within 30 s" >&2
            exit 1
        fi
        sleep 0.02
    done
    echo $(($(now_ms) - started))
}

# --- Redis: the shared registry -------------------------------------------------------------
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.05; done
REGISTRY=redis://127.0.0.1:$REDIS_PORT/0

# --- The GoToWebinar API (simulator) ----------------------------------------------------------
"$SIMULATOR" "$SIM_PORT" >"$WORK/simulator.log" 2>&1 &
PIDS+=($!)
until grep -q listening "$WORK/simulator.log" 2>/dev/null; do sleep 0.05; done

# --- Two instances on the shared registry -----------------------------------------------------
# start_instance NAME PORT MANAGEMENT_PORT
start_instance() {
    RUST_LOG=warn "$OXYNAPSE" serve --host 127.0.0.1 --port "$2" --management-port "$3" \
        --deploy-dir "$ROOT/proxies" --no-watch --data-dir "$WORK/data-$1" \
        --registry "$REGISTRY" --shutdown-grace-ms 10000 >>"$WORK/$1.log" 2>&1 &
    echo $! >"$WORK/$1.pid"
}
start_instance a "$A_PORT" "$A_MGMT"
start_instance b "$B_PORT" "$B_MGMT"
wait_for "http://127.0.0.1:$A_MGMT/healthz" >/dev/null
wait_for "http://127.0.0.1:$B_MGMT/healthz" >/dev/null

# --- nginx in front ---------------------------------------------------------------------------
# upstream.conf is rewritten to take A out of rotation and put it back; `nginx -s reload`
# lets old workers finish their requests while new ones use the new list.
write_upstream() { # write_upstream A_STATE ("" or "down")
    cat >"$WORK/upstream.conf" <<EOF
upstream oxynapse {
    server 127.0.0.1:$A_PORT max_fails=1 fail_timeout=2s $1;
    server 127.0.0.1:$B_PORT max_fails=1 fail_timeout=2s;
    keepalive 32;
}
EOF
}
write_upstream ""
mkdir -p "$WORK/nginx-tmp" "$WORK/logs"
USER_LINE=""
[ "$(id -u)" -eq 0 ] && USER_LINE="user root;"
cat >"$WORK/nginx.conf" <<EOF
$USER_LINE
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
    scgi_temp_path $WORK/nginx-tmp/scgi;
    include $WORK/upstream.conf;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://oxynapse;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # A refused connection goes to the other instance (a POST once sent does not).
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
        }
    }
}
EOF
nginx -p "$WORK" -c "$WORK/nginx.conf"
reload_nginx() { # its notices go to the log; an error stops the script
    nginx -p "$WORK" -c "$WORK/nginx.conf" -s reload 2>>"$WORK/logs/reload.log" || {
        cat "$WORK/logs/reload.log" >&2
        exit 1
    }
}

# --- Steady traffic ---------------------------------------------------------------------------
cat >"$WORK/request.json" <<EOF
{"apiUrl":"http://127.0.0.1:$SIM_PORT","accessToken":"UEGGrwswKRwB07lTOr0EoppdaxKo",
 "organizerKey":"3697511743350317068","clientId":"IJfcaqp3xC034WXD1GGlstejnJS41huo",
 "refreshToken":"MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm","intervalTime":"$TOKEN_INTERVAL_MS",
 "webinarKey":"6487648931392511233","sessionKey":"2167614"}
EOF
worker() {
    local out=$WORK/traffic-$1.log
    while [ ! -e "$WORK/stop" ]; do
        curl -s -o /dev/null -w '%{http_code}\n' --max-time 15 \
            -H 'Content-Type: application/json' --data-binary "@$WORK/request.json" \
            "http://127.0.0.1:$NGINX_PORT$PROXY" >>"$out" || true
    done
}
wait_for "http://127.0.0.1:$NGINX_PORT/healthz" >/dev/null
for i in $(seq 1 "$WORKERS"); do
    worker "$i" &
    PIDS+=($!)
done
echo "traffic: $WORKERS curl loops through nginx on :$NGINX_PORT; warming up ${WARMUP}s"
sleep "$WARMUP"

metric() { # metric MGMT_PORT SERIES: the sample's value, 0 when absent
    curl -fs "http://127.0.0.1:$1/metrics" | awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }'
}
served='oxynapse_requests_total{kind="proxy",name="gotowebinar_getSessionById",status="2xx"}'
refreshes='oxynapse_token_refreshes_total{connector="gotowebinar"}'
refresh_failures='oxynapse_token_refresh_failures_total{connector="gotowebinar"}'

# --- Rolling restart of A ---------------------------------------------------------------------
echo "rolling restart of instance A"
t0=$(now_ms)
write_upstream down
reload_nginx
sleep 1 # old nginx workers finish the requests they hold on A
t_drained=$(now_ms)
a_before=$(metric "$A_MGMT" "$served")
a_refreshes_before=$(metric "$A_MGMT" "$refreshes")
a_refresh_failures_before=$(metric "$A_MGMT" "$refresh_failures")
A_PID=$(cat "$WORK/a.pid")
kill -TERM "$A_PID"
while kill -0 "$A_PID" 2>/dev/null; do sleep 0.01; done
t_stopped=$(now_ms)
start_instance a "$A_PORT" "$A_MGMT"
wait_for "http://127.0.0.1:$A_MGMT/healthz" >/dev/null
t_healthy=$(now_ms)
write_upstream ""
reload_nginx
t_back=$(now_ms)
sleep "$AFTER"
touch "$WORK/stop"
sleep 0.5
for pid in "${PIDS[@]:2}"; do wait "$pid" 2>/dev/null || true; done

# --- Results ----------------------------------------------------------------------------------
total=$(cat "$WORK"/traffic-*.log | wc -l)
ok=$(cat "$WORK"/traffic-*.log | grep -c '^200$' || true)
failures=$((total - ok))
echo
echo "requests sent:        $total"
echo "answered 200:         $ok"
echo "failures:             $failures"
if [ "$failures" -gt 0 ]; then
    echo "non-200 answers:      $(cat "$WORK"/traffic-*.log | grep -v '^200$' | sort | uniq -c | tr '\n' ' ')"
fi
echo "served (2xx):         A $a_before before the restart + $(metric "$A_MGMT" "$served") after, B $(metric "$B_MGMT" "$served")"
echo "token refreshes:      A $a_refreshes_before before + $(metric "$A_MGMT" "$refreshes") after, B $(metric "$B_MGMT" "$refreshes") (tokens stale every ${TOKEN_INTERVAL_MS} ms)"
echo "refresh failures:     A $a_refresh_failures_before + $(metric "$A_MGMT" "$refresh_failures"), B $(metric "$B_MGMT" "$refresh_failures") (a refresh token burned by a double refresh would fail)"
echo "the shared cache:"
redis-cli -p "$REDIS_PORT" --scan --pattern 'oxynapse:conf:/connectors/gotowebinar/*' | sort | sed 's/^/    /'
echo "restart timing (ms):  out of nginx $((t_drained - t0)) (incl. 1000 drain), SIGTERM to exit $((t_stopped - t_drained)), start to /healthz 200 $((t_healthy - t_stopped)), back in nginx $((t_back - t_healthy)); total $((t_back - t0))"
[ "$failures" -eq 0 ]
