#!/usr/bin/env bash
# Runs the intent evaluation on the dev split of each shared intent set with
# the bot (TF-IDF SVM + BM25), the bot with the embedding model when
# scripts/fetch-models installed one, BM25 alone, and the scikit-learn baseline,
# and writes one JSON report per run to target/eval/ (the numbers in
# docs/bot-quality.md). Banking77 ships without a dev split: 20% of its train
# is held out by a hash of the text (`--carve-dev 0.2`, same split in
# scripts/baseline_svm.py). The held-out test splits are not used.
#
#   scripts/eval-intents.sh            # all sets, all methods
#   SKIP_SKLEARN=1 scripts/eval-intents.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${KEFU_SHARED_DIR:-../shared}/data"
[ -d "$DATA" ] || DATA=/work/shared/data
OUT=target/eval
mkdir -p "$OUT"

cargo build --release -p kefu
KEFU=target/release/kefu

if [ -z "${SKIP_SKLEARN:-}" ] && [ ! -x target/py/bin/python ]; then
  python3 -m venv target/py
  target/py/bin/pip install -q scikit-learn
fi

run() { # name train test-or-carve
  local name=$1 train=$2 split=$3
  local args=(--train "$train")
  if [ "$split" = carve ]; then args+=(--carve-dev 0.2); else args+=(--test "$split"); fi
  for method in hybrid bm25; do
    echo "== $name $method" >&2
    "$KEFU" eval intents "${args[@]}" --method "$method" --no-models --json > "$OUT/$name.$method.json"
    cat "$OUT/$name.$method.json"
  done
  # The bot with the embedding model from KEFU_MODEL_DIR (scripts/fetch-models).
  echo "== $name hybrid+model" >&2
  "$KEFU" eval intents "${args[@]}" --json > "$OUT/$name.hybrid-model.json"
  cat "$OUT/$name.hybrid-model.json"
  if [ -z "${SKIP_SKLEARN:-}" ]; then
    echo "== $name sklearn" >&2
    local test_arg=$split
    [ "$split" = carve ] && test_arg=--carve-dev
    target/py/bin/python scripts/baseline_svm.py "$train" "$test_arg" > "$OUT/$name.sklearn.json"
    cat "$OUT/$name.sklearn.json"
  fi
}

run banking77 "$DATA/banking77/train.jsonl" carve
run clinc150 "$DATA/clinc150/train.jsonl" "$DATA/clinc150/dev.jsonl"
run massive_zh "$DATA/massive_zh/train.jsonl" "$DATA/massive_zh/dev.jsonl"
