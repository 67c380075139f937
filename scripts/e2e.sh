#!/usr/bin/env bash
# End-to-end tests of the web apps in a real browser: builds the kefu binary
# (which builds and embeds the web apps), makes sure Debian's chromium is
# there, and runs web/e2e with node's test runner and playwright-core.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo build -p kefu"
cargo build -p kefu --locked

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "error: chromium not found at $CHROMIUM_PATH; install it (apt-get install chromium) or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi

# Chinese and emoji fonts, so the screenshots in docs/screenshots/ are legible
# (the tests pass without them, but the pictures would show empty boxes).
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing CJK and emoji fonts"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fonts-noto-color-emoji
  else
    echo "warning: no Chinese font found (apt-get install fonts-noto-cjk): screenshots will show boxes" >&2
  fi
fi

cd web
# The cargo build above installed web/node_modules (npm ci) if it was missing.
[ -d node_modules ] || npm ci --no-audit --no-fund
echo "== web e2e (chromium: $("$CHROMIUM_PATH" --version 2>/dev/null || echo "$CHROMIUM_PATH"))"
KEFU_BIN="${KEFU_BIN:-../target/debug/kefu}" CHROMIUM_PATH="$CHROMIUM_PATH" npm run test:e2e
