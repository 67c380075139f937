#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test of every crate
# against real SQLite and PostgreSQL. This is the command README.md names and
# CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked

echo "== web e2e (headless chromium)"
bash scripts/e2e.sh
