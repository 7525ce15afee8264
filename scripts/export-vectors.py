#!/usr/bin/env python3
"""Writes a store's stored vectors of one model as a vector set file (the
`PSVECSET` format of papers-search's `VectorSet`), for `bench_vector
--vectors FILE`: recall of the prefiltered index on real vectors.

    scripts/export-vectors.py DATA_DIR/papers.db OUT.vec [MODEL_ID]
"""
import sqlite3
import struct
import sys
import zlib

db_path, out_path = sys.argv[1], sys.argv[2]
model = sys.argv[3] if len(sys.argv) > 3 else "sentence-transformers/all-MiniLM-L6-v2"
db = sqlite3.connect(db_path)
rows = db.execute(
    "SELECT paper_id, dim, vector FROM paper_vectors WHERE model_id = ? ORDER BY paper_id", (model,)
).fetchall()
if not rows:
    sys.exit(f"{db_path}: no vectors of {model}")
dim = rows[0][1]
body = bytearray(b"PSVECSET")
body += struct.pack("<I", 1)
body += struct.pack("<I", len(model.encode())) + model.encode()
body += struct.pack("<IQ", dim, len(rows))
for pid, d, vec in rows:
    if d != dim or len(vec) != 4 * dim:
        sys.exit(f"{pid}: a vector of {d} dimensions ({len(vec)} bytes), not {dim}")
    body += vec
for pid, _, _ in rows:
    b = pid.encode()
    body += struct.pack("<I", len(b)) + b
body += struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)
with open(out_path, "wb") as f:
    f.write(body)
print(f"{out_path}: {len(rows)} vectors of {dim} dimensions ({model})")
