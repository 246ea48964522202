"""Bad input gives exit code 2 and `{"ckpt_json": 1, "error": "<category>: ...", ...}` (extra keys such
as file and byte_offset are allowed), never a crash:
every truncation of a real Flax file is `corrupt`, as is an array whose declared shape needs more
bytes than it holds; a missing path is an error too."""
import os
import tempfile

import flax.serialization
import numpy as np

import flax_trees
from interop_common import Failures, parse_args, run_ckpt


def expect_error(ckpt, failures, path, category, *cmd):
    for sub in cmd or (("tree", path, "--json", "--digest"), ("info", path, "--json")):
        rc, doc, out, err = run_ckpt(ckpt, *sub)
        what = f"ckpt {' '.join(map(str, sub))}"
        if rc < 0:
            failures.add(f"{what}: killed by signal {-rc}\n{err[-2000:]}")
            continue
        failures.check(rc == 2, f"{what}: exit {rc}, want 2")
        if not failures.check(doc is not None and doc.get("ckpt_json") == 1 and "error" in doc,
                              f"{what}: no JSON error document: {out[:300]!r} {err[:300]!r}"):
            continue
        if category:
            failures.check(doc["error"].startswith(category + ": "),
                           f"{what}: error {doc['error']!r} is not '{category}: ...'")


def main():
    args = parse_args()
    failures = Failures()
    tree = {"params": {"w": np.arange(300, dtype=np.float32).reshape(20, 15), "b": np.ones(15, np.float16)},
            "step": 3, "name": "run", "ts": flax_trees.make_train_state(seed=3)}
    data = flax.serialization.to_bytes(tree)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "f.msgpack")
        # Cuts inside the header, inside a key, inside an ext header, inside array data, and one
        # byte short of the end.
        cuts = sorted({1, 2, 5, 9, 17, 30, 64, len(data) // 3, len(data) // 2, len(data) - 100, len(data) - 1})
        for cut in cuts:
            with open(path, "wb") as f:
                f.write(data[:cut])
            expect_error(args.ckpt, failures, path, "corrupt")
        # Shape (4,) of int32 declares 16 bytes but the bin holds 12.
        bad = bytes([0x81, 0xA1, ord("a"), 0xC7, 0x17, 0x01, 0x93, 0x91, 0x04, 0xA5]) + b"int32" + \
            bytes([0xC4, 0x0C]) + np.arange(3, dtype="<i4").tobytes()
        with open(path, "wb") as f:
            f.write(bad)
        expect_error(args.ckpt, failures, path, "corrupt")
        # A huge declared bin length must not be allocated.
        huge = bytes([0x81, 0xA1, ord("a"), 0xC6, 0x7F, 0xFF, 0xFF, 0xFF, 0x00])
        with open(path, "wb") as f:
            f.write(huge)
        expect_error(args.ckpt, failures, path, "corrupt")
        # The well-formed file still works (the checks above are not vacuous).
        with open(path, "wb") as f:
            f.write(data)
        rc, doc, out, err = run_ckpt(args.ckpt, "tree", path, "--json", "--digest")
        failures.check(rc == 0 and doc is not None and "leaves" in doc, f"valid file: exit {rc} {err[:500]}")
        expect_error(args.ckpt, failures, os.path.join(tmp, "does-not-exist.msgpack"), None)
    failures.finish("flax msgpack error exits")


if __name__ == "__main__":
    main()
