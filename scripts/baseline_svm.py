#!/usr/bin/env python3
"""Reference baseline for `kefu eval intents`: scikit-learn TF-IDF + LinearSVC.

Same splits as the Rust evaluation (a dev split carved from train by
FNV-1a-64(text) % 1000 < 200 when --carve-dev is given), same feature recipe
(word 1-2 grams + char_wb 2-4 grams, sublinear tf, each block L2-normalised),
C = 1. No thresholds: the classifier always answers with its top class, so
`accuracy` = top-1 accuracy on in-scope texts and an `oos` prediction is the
only way to hand off. scikit-learn's default tokenizer keeps a Chinese run as
one "word", so for Chinese the character n-grams do the work.

Usage (scikit-learn in a venv under target/):
  python3 -m venv target/py && target/py/bin/pip install scikit-learn
  target/py/bin/python scripts/baseline_svm.py TRAIN.jsonl (TEST.jsonl | --carve-dev)
Prints one JSON object.
"""
import json
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC
from sklearn.metrics import f1_score


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    records = read(sys.argv[1])
    if sys.argv[2] == "--carve-dev":
        dev = [r for r in records if fnv1a64(r["text"].encode()) % 1000 < 200]
        train = [r for r in records if fnv1a64(r["text"].encode()) % 1000 >= 200]
    else:
        train, dev = records, read(sys.argv[2])
    t0 = time.time()
    features = FeatureUnion([
        ("word", TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))),
        ("char", TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 4))),
    ])
    x = features.fit_transform([r["text"].lower() for r in train])
    clf = LinearSVC(C=1.0).fit(x, [r["label"] for r in train])
    train_s = time.time() - t0
    t1 = time.time()
    pred = clf.predict(features.transform([r["text"].lower() for r in dev]))
    per_query_ms = (time.time() - t1) * 1000 / len(dev)
    gold = [r["label"] for r in dev]
    ins = [(g, p) for g, p in zip(gold, pred) if g != "oos"]
    oos = [(g, p) for g, p in zip(gold, pred) if g == "oos"]
    handoffs = sum(1 for p in pred if p == "oos")
    top1 = sum(g == p for g, p in ins) / len(ins)
    out = {
        "method": "sklearn tfidf+LinearSVC",
        "n_train": len(train),
        "n_test": len(dev),
        "accuracy": top1,
        "top1_accuracy": top1,
        "oos_recall": (sum(p == "oos" for _, p in oos) / len(oos)) if oos else None,
        "oos_precision": (sum(p == "oos" for _, p in oos) / handoffs) if oos and handoffs else None,
        "macro_f1": f1_score(gold, pred, labels=sorted(set(gold)), average="macro"),
        "mean_ms_batched": per_query_ms,
        "train_s": train_s,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
