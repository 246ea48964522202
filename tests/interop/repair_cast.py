"""The cast edit must round exactly as NumPy `astype` with ml_dtypes does.

A Flax msgpack file holds the same float32 values (ties, subnormals, overflow, inf, NaN, -0) under
one key per target dtype; a recipe casts each leaf to its dtype; `ckpt apply` writes the result and
the `ckpt tree --digest` sha256 of every leaf must equal the sha256 of NumPy's canonical bytes of
`values.astype(dtype)`. Integer targets get finite in-range values only (NumPy leaves the others
undefined).

usage: repair_cast.py --ckpt BIN
"""
import json
import os
import tempfile
import warnings

import ml_dtypes
import numpy as np
import flax.serialization

from interop_common import Failures, canonical_bytes, parse_args, run_ckpt, sha256

warnings.filterwarnings("ignore")

FLOAT_TARGETS = ["float16", "bfloat16", "float64", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
                 "float8_e5m2fnuz", "float8_e4m3b11fnuz", "float8_e3m4", "float8_e4m3", "float8_e8m0fnu",
                 "float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn"]
INT_TARGETS = ["int8", "uint8", "int16", "uint16", "int32", "int64", "uint32", "int4", "uint4", "int2", "uint2", "bool"]


def float_values():
    rng = np.random.default_rng(11)
    special = [0.0, -0.0, 1.0, -1.0, 0.5, 0.75, 1.5, 2.5, 3.0, 6.0, 7.0, 240.0, 448.0, 464.0, 465.0, 57344.0,
               61440.0, 65504.0, 65520.0, 1e6, -1e6, 3e38, 1e-39, 1e-30, 2.0 ** -9, 2.0 ** -10, 2.0 ** -24,
               2.0 ** -25, 1.00390625, 1.01171875, np.inf, -np.inf, np.nan, -np.nan]
    spread = rng.standard_normal(200) * np.exp2(rng.integers(-20, 20, 200))
    return np.concatenate([np.array(special), spread]).astype(np.float32)


def int_values():
    rng = np.random.default_rng(12)
    return np.concatenate([np.array([0, 1, -1, 1.9, -1.9, 127.5, 128, 300, -129, 255, 256, 65535, 70000]),
                           rng.uniform(-1e9, 1e9, 100)]).astype(np.float32)


def main():
    args = parse_args()
    failures = Failures()
    tmp = tempfile.mkdtemp(prefix="ckpt_cast_")
    fv, iv = float_values(), int_values()
    src = {name: fv for name in FLOAT_TARGETS}
    src.update({"i_" + name: iv for name in INT_TARGETS})
    src_path = os.path.join(tmp, "values.msgpack")
    with open(src_path, "wb") as f:
        f.write(flax.serialization.to_bytes(src))
    ops = [{"op": "cast", "path": name, "dtype": name} for name in FLOAT_TARGETS]
    ops += [{"op": "cast", "path": "i_" + name, "dtype": name} for name in INT_TARGETS]
    recipe = os.path.join(tmp, "cast.json")
    with open(recipe, "w") as f:
        json.dump({"ckpt_recipe": 1, "operations": ops}, f)
    out = os.path.join(tmp, "out.msgpack")
    rc, _, so, se = run_ckpt(args.ckpt, "apply", recipe, src_path, "-o", out)
    if not failures.check(rc == 0, f"apply exit {rc}\n{so}\n{se}"):
        failures.finish("repair_cast")
    rc, doc, so, se = run_ckpt(args.ckpt, "tree", out, "--json", "--digest")
    if not failures.check(rc == 0 and doc, f"tree exit {rc}\n{se}"):
        failures.finish("repair_cast")
    got = {leaf["path"][0]: leaf for leaf in doc["leaves"]}
    for key, values in src.items():
        dtype = key[2:] if key.startswith("i_") else key
        want = values.astype(np.dtype(dtype))
        leaf = got.get(key, {})
        failures.check(leaf.get("dtype") == dtype, f"{key}: dtype {leaf.get('dtype')} != {dtype}")
        if leaf.get("sha256") != sha256(canonical_bytes(want)):
            # Show the first differing elements to make a failure readable.
            rc, shown, _, _ = run_ckpt(args.ckpt, "show", out, key, "--json")
            failures.add(f"{key}: bytes differ from numpy astype; numpy {want[:40]!r}")
    print(f"checked {len(src)} casts of {len(fv)} / {len(iv)} values")
    failures.finish("repair_cast")


if __name__ == "__main__":
    main()
