#!/usr/bin/env bash
# Kefu's realtime benchmark, reproducibly: builds release binaries, then for
# each backend (SQLite, then PostgreSQL) starts `kefu serve --demo` pinned to
# CPU 0 on fresh data and drives it from `kefu-bench` pinned to CPU 1:
#
#   1. RATE msg/s (default 1,000) for DURATION s: the latency target;
#   2. a sweep for the highest rate with p99 send→deliver < P99_LIMIT_MS and
#      no errors, lost deliveries or dropped sockets;
#   3. that maximum rate for DURATION s: the sustained-throughput target.
#
# Every run starts a fresh server on fresh data. Results (JSON) and server
# logs go to OUT. Knobs (environment): RATE, DURATION, WARMUP, CONVERSATIONS,
# SWEEP_DURATION, SWEEP_START, P99_LIMIT_MS, BACKENDS ("sqlite postgres"),
# PG_URL (a server URL without database; the database `kefu_bench` is
# dropped and recreated), PORT, OUT, SKIP_BUILD=1, KEFU_BIN and BENCH_BIN
# (binaries to use instead of target/release/, e.g. a patched build).
#
# Sends go to 127.0.0.1 only. Other load on the machine (a build!) skews the
# numbers: the script prints the load average first.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-1000}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-5}
CONVERSATIONS=${CONVERSATIONS:-200}
SWEEP_DURATION=${SWEEP_DURATION:-15}
SWEEP_START=${SWEEP_START:-1000}
P99_LIMIT_MS=${P99_LIMIT_MS:-100}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18080}
OUT=${OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Server on CPU 0, load generator on CPU 1, where taskset exists. (The
# prefixes are arrays run directly, not via a function: a backgrounded
# function is a subshell, and `$!` would then not be the server's PID.)
PIN_SERVER=()
PIN_BENCH=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  PIN_SERVER=(taskset -c 0)
  PIN_BENCH=(taskset -c 1)
fi

if [ "${SKIP_BUILD:-}" != "1" ]; then
  echo "== cargo build --release -p kefu -p kefu-bench"
  cargo build --release -p kefu -p kefu-bench
fi
KEFU=${KEFU_BIN:-target/release/kefu}
BENCH=${BENCH_BIN:-target/release/kefu-bench}

# The load comes from one address, far faster than any person: lift the
# per-IP budgets of the public (widget) endpoints and the visitor-socket cap.
cat >"$WORK/kefu.toml" <<'EOF'
[security]
public_rate_per_second = 1000000.0
public_rate_burst = 1000000
max_visitor_sockets_per_ip = 100000

[metrics]
listen = ""

[log]
filter = "warn"
EOF

# 200 conversations hold 600 sockets on each side, plus HTTP connections.
ulimit -n 65536 2>/dev/null || ulimit -n 20000 2>/dev/null || true

{
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "kefu: $($KEFU --version)"
} | tee "$OUT/machine.txt"

start_server() {
  local backend=$1 name=$2
  local data="$WORK/data-$name"
  if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
    echo "something already answers on port $PORT: stop it or set PORT" >&2
    exit 1
  fi
  rm -rf "$data"
  local db_args=()
  if [ "$backend" = postgres ]; then
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS kefu_bench WITH (FORCE)" >/dev/null
    psql -q "$PG_URL/postgres" -c "CREATE DATABASE kefu_bench" >/dev/null
    db_args=(--database-url "$PG_URL/kefu_bench")
  fi
  "${PIN_SERVER[@]}" "$KEFU" --config "$WORK/kefu.toml" serve --demo --listen "127.0.0.1:$PORT" \
    --data-dir "$data" "${db_args[@]}" >"$OUT/server-$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "kefu exited; its log:" >&2; cat "$OUT/server-$name.log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "kefu did not become healthy on port $PORT" >&2
  exit 1
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

bench() {
  # Exit 2 means "ran, but missed its criteria": report, do not abort.
  local rc=0
  "${PIN_BENCH[@]}" "$BENCH" realtime --url "http://127.0.0.1:$PORT" --server-pid "$SERVER_PID" \
    --conversations "$CONVERSATIONS" --warmup "$WARMUP" --p99-limit-ms "$P99_LIMIT_MS" "$@" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
    echo "kefu-bench failed ($rc)" >&2
    exit "$rc"
  fi
}

summary() {
  # One line per JSON result: rate, throughput, latency, errors.
  local f=$1 label=$2
  jq -r --arg l "$label" '"\($l)\t\(.target_rate|floor)\t\(.persisted_per_s|floor)\t\(.delivered_per_s|floor)\t\(.deliver_latency.p50_ms)\t\(.deliver_latency.p90_ms)\t\(.deliver_latency.p99_ms)\t\(.deliver_latency.max_ms)\t\(.errors.total)\t\(.dropped_sockets)\t\(.missing_deliveries)\t\(.server_cpu_pct // "-" | tostring | .[0:5])\t\(.verdict)"' "$f"
}

for backend in $BACKENDS; do
  echo
  echo "==== $backend: $RATE msg/s for $DURATION s ($CONVERSATIONS conversations)"
  start_server "$backend" "$backend-rate"
  bench --rate "$RATE" --duration "$DURATION" --json-out "$OUT/$backend-rate.json"
  stop_server

  echo
  echo "==== $backend: sweep from $SWEEP_START msg/s, $SWEEP_DURATION s steps"
  start_server "$backend" "$backend-sweep"
  bench --sweep --sweep-start "$SWEEP_START" --sweep-duration "$SWEEP_DURATION" \
    --json-out "$OUT/$backend-sweep.json"
  stop_server
  max=$(jq -r '.max_sustainable_rate // empty' "$OUT/$backend-sweep.json" | cut -d. -f1)

  if [ -n "$max" ]; then
    echo
    echo "==== $backend: the maximum, $max msg/s, for $DURATION s"
    start_server "$backend" "$backend-max"
    bench --rate "$max" --duration "$DURATION" --json-out "$OUT/$backend-max.json"
    stop_server
  else
    echo "$backend: no sweep step passed"
  fi
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
echo
echo "==== summary (send→deliver latency to the agent's first tab, ms; results in $OUT)"
{
  printf 'run\trate\tpersisted/s\tdelivered/s\tp50\tp90\tp99\tmax\terrors\tdropped\tmissing\tsrv cpu%%\tverdict\n'
  for backend in $BACKENDS; do
    if [ -f "$OUT/$backend-rate.json" ]; then summary "$OUT/$backend-rate.json" "$backend@$RATE"; fi
    if [ -f "$OUT/$backend-max.json" ]; then summary "$OUT/$backend-max.json" "$backend@max"; fi
    if [ -f "$OUT/$backend-sweep.json" ]; then
      echo "$backend sweep: max sustainable $(jq -r '.max_sustainable_rate // "none"' "$OUT/$backend-sweep.json") msg/s"
    fi
  done
} | tee "$OUT/summary.tsv" | column -t -s $'\t'
