#!/usr/bin/env bash
# Starts the services the test suite talks to, when they are installed here
# but not running: PostgreSQL (127.0.0.1:5432) and NATS with JetStream
# (127.0.0.1:4222). Prints what it did; fails loudly when a required one
# cannot be reached afterwards.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
fi
if pg_up; then
  echo "services: PostgreSQL is up on 127.0.0.1:5432"
else
  echo "services: PostgreSQL is NOT reachable on 127.0.0.1:5432 (set KEFU_TEST_PG_URL to use another server)" >&2
  [ "${CI:-}" = "true" ] && exit 1
fi

if ! nats_up; then
  if [ -x /usr/sbin/nats-server ]; then
    echo "services: starting NATS (JetStream)"
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
    for _ in $(seq 1 20); do nats_up && break; sleep 0.5; done
  fi
fi
if nats_up; then echo "services: NATS is up on 127.0.0.1:4222"; else echo "services: NATS is not running (not needed by the current tests)"; fi
