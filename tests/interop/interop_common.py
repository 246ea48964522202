"""Shared helpers of the interop tests: run `ckpt`, flatten a Python pytree into the leaves of the
`ckpt tree --json --digest` contract (docs/architecture.md), compare leaf by leaf.

The Python libraries are the oracle: expected leaves are computed from what NumPy / Flax / Orbax
hold, never from what `ckpt` prints.
"""
import argparse
import hashlib
import json
import math
import struct
import subprocess
import sys

import numpy as np


def parse_args(extra=None):
    """--ckpt BIN plus the positional arguments named in `extra`."""
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    for name in extra or []:
        p.add_argument(name)
    return p.parse_args()


class Failures:
    """Collects every mismatch so one run shows all of them; exit status 1 if any."""

    def __init__(self):
        self.items = []

    def add(self, msg):
        self.items.append(msg)
        print("MISMATCH:", msg)

    def check(self, cond, msg):
        if not cond:
            self.add(msg)
        return cond

    def finish(self, what):
        if self.items:
            print(f"FAIL: {what}: {len(self.items)} mismatch(es)")
            sys.exit(1)
        print(f"PASS: {what}")
        sys.exit(0)


def run_ckpt(ckpt, *args, timeout=600):
    """Runs ckpt; returns (exit code, parsed JSON document or None, stdout, stderr)."""
    proc = subprocess.run([ckpt, *map(str, args)], capture_output=True, timeout=timeout)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    doc = None
    for text in (out, err):
        text = text.strip()
        if text.startswith("{"):
            try:
                doc = json.loads(text)
                break
            except json.JSONDecodeError:
                pass
    return proc.returncode, doc, out, err


def ckpt_tree(ckpt, path, failures, *extra):
    """`ckpt tree PATH --json --digest [extra]`; returns the document or None (failure recorded)."""
    rc, doc, out, err = run_ckpt(ckpt, "tree", path, "--json", "--digest", *extra)
    if rc != 0 or doc is None or "leaves" not in doc:
        failures.add(f"ckpt tree {path} {' '.join(extra)} -> exit {rc}\nstdout: {out[:2000]}\nstderr: {err[:2000]}")
        return None
    failures.check(doc.get("ckpt_json") == 1, f"ckpt_json is {doc.get('ckpt_json')!r}, want 1")
    return doc


def canonical_bytes(arr):
    """C order, little-endian, NumPy itemsize; bool 0/1; ml_dtypes sub-byte types 1 byte/element."""
    a = np.asarray(arr)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    return np.ascontiguousarray(a).tobytes(order="C")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def is_array(x):
    return isinstance(x, (np.ndarray, np.generic)) or type(x).__module__.startswith("jax")


def expected_leaves(tree, prefix=()):
    """Leaves in the contract's form, in depth-first insertion order.

    dict keys become str(key); list/tuple elements "0", "1", ...; NumPy scalars and jax arrays are
    arrays (shape [] for scalars); Python bool/int/float/complex are scalars.
    """
    out = []
    if isinstance(tree, dict):
        if not tree:
            out.append({"path": list(prefix), "kind": "empty_dict"})
        for k, v in tree.items():
            out += expected_leaves(v, prefix + (str(k),))
    elif isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        if not tree:
            out.append({"path": list(prefix), "kind": "empty_list"})
        for i, v in enumerate(tree):
            out += expected_leaves(v, prefix + (str(i),))
    elif hasattr(tree, "_fields"):  # namedtuple
        for k in tree._fields:
            out += expected_leaves(getattr(tree, k), prefix + (k,))
    elif is_array(tree):  # before the Python scalars: np.float64 and np.complex128 subclass them
        a = np.asarray(tree)
        out.append({"path": list(prefix), "kind": "array", "dtype": a.dtype.name,
                    "shape": list(a.shape), "sha256": sha256(canonical_bytes(a))})
    elif tree is None:
        out.append({"path": list(prefix), "kind": "none"})
    elif isinstance(tree, bool):
        out.append({"path": list(prefix), "kind": "scalar", "dtype": "bool", "value": tree})
    elif isinstance(tree, int):
        out.append({"path": list(prefix), "kind": "scalar", "dtype": "int", "value": tree})
    elif isinstance(tree, float):
        out.append({"path": list(prefix), "kind": "scalar", "dtype": "float", "value": tree})
    elif isinstance(tree, complex):
        out.append({"path": list(prefix), "kind": "scalar", "dtype": "complex", "value": [tree.real, tree.imag]})
    elif isinstance(tree, str):
        out.append({"path": list(prefix), "kind": "string", "value": tree})
    elif isinstance(tree, bytes):
        out.append({"path": list(prefix), "kind": "bytes", "sha256": sha256(tree)})
    else:
        raise TypeError(f"no contract leaf for {type(tree)} at {'/'.join(prefix)}")
    return out


def _same_float(a, b):
    if isinstance(a, float) and isinstance(b, (int, float)):
        b = float(b)
        if math.isnan(a):
            return math.isnan(b)
        return struct.pack("<d", a) == struct.pack("<d", b)
    return False


def _same_value(want, got):
    if isinstance(want, bool) or isinstance(got, bool):
        return type(want) is type(got) and want == got
    if isinstance(want, float):
        return _same_float(want, got)
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(map(_same_value, want, got))
    return type(want) is type(got) and want == got


def compare_leaves(expected, doc, failures, check_order=True):
    """Compares every expected leaf with the leaf of the same path in `doc["leaves"]`."""
    got = doc.get("leaves", [])
    got_by_path = {}
    for leaf in got:
        key = tuple(leaf.get("path", []))
        failures.check(key not in got_by_path, f"duplicate leaf path {list(key)}")
        got_by_path[key] = leaf
    want_by_path = {tuple(leaf["path"]): leaf for leaf in expected}
    for key in want_by_path.keys() - got_by_path.keys():
        failures.add(f"missing leaf {list(key)}: want {want_by_path[key]}")
    for key in got_by_path.keys() - want_by_path.keys():
        failures.add(f"unexpected leaf {list(key)}: {got_by_path[key]}")
    for key, want in want_by_path.items():
        have = got_by_path.get(key)
        if have is None:
            continue
        for field, value in want.items():
            if field == "path":
                continue
            if field == "value":
                ok = _same_value(value, have.get(field))
            else:
                ok = have.get(field) == value
            failures.check(ok, f"{'/'.join(key)}: {field} is {have.get(field)!r}, want {value!r}")
    if check_order:
        order_want = [tuple(leaf["path"]) for leaf in expected]
        order_got = [tuple(leaf.get("path", [])) for leaf in got]
        if set(order_want) == set(order_got):
            failures.check(order_want == order_got, "leaves are not in the file's (insertion) order")
    print(f"compared {len(expected)} expected leaves with {len(got)} reported leaves")


def trees_equal(a, b, path="", failures=None):
    """Deep equality of restored pytrees; arrays equal in dtype, shape and every byte."""
    def bad(msg):
        if failures is not None:
            failures.add(f"{path or '/'}: {msg}")
        return False

    if isinstance(a, dict) and isinstance(b, dict):
        if list(a.keys()) != list(b.keys()):
            return bad(f"keys {list(a.keys())} != {list(b.keys())}")
        return all([trees_equal(a[k], b[k], f"{path}/{k}", failures) for k in a])
    if is_array(a) or is_array(b):
        # jax.Array and np.ndarray are the same leaf on disk; a NumPy scalar is not an ndarray.
        if not (is_array(a) and is_array(b)) or isinstance(a, np.generic) != isinstance(b, np.generic):
            return bad(f"types {type(a).__name__} != {type(b).__name__}")
        x, y = np.asarray(a), np.asarray(b)
        if x.dtype != y.dtype or x.shape != y.shape:
            return bad(f"{x.dtype}{x.shape} != {y.dtype}{y.shape}")
        if canonical_bytes(x) != canonical_bytes(y):
            return bad("array bytes differ")
        return True
    if type(a) is not type(b):
        return bad(f"types {type(a).__name__} != {type(b).__name__}")
    if isinstance(a, float):
        return _same_float(a, b) or bad(f"{a!r} != {b!r}")
    if isinstance(a, complex):
        return (_same_float(a.real, b.real) and _same_float(a.imag, b.imag)) or bad(f"{a!r} != {b!r}")
    return a == b or bad(f"{a!r} != {b!r}")
