"""Real Flax writes a varied pytree with flax.serialization.to_bytes; `ckpt tree --json --digest`
must report every leaf exactly as NumPy holds it (dtype, shape, sha256 of the canonical bytes)."""
import os
import tempfile

import flax.serialization

import flax_trees
from interop_common import (Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args, run_ckpt,
                            trees_equal)


def main():
    args = parse_args()
    failures = Failures()
    tree = flax_trees.varied_tree()
    state = flax.serialization.to_state_dict(tree)
    data = flax.serialization.to_bytes(tree)
    # Sanity of the oracle itself: Flax reads back what it wrote.
    failures.check(trees_equal(state, flax.serialization.msgpack_restore(data), failures=failures),
                   "the oracle itself: Flax does not read back what it wrote")
    expected = expected_leaves(state)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "varied.msgpack")
        with open(path, "wb") as f:
            f.write(data)
        print(f"wrote {len(data)} bytes, {len(expected)} leaves")
        doc = ckpt_tree(args.ckpt, path, failures)
        if doc is not None:
            failures.check(doc.get("source", {}).get("format") == "flax-msgpack",
                           f"source.format is {doc.get('source', {}).get('format')!r}")
            compare_leaves(expected, doc, failures)
        rc, info, out, err = run_ckpt(args.ckpt, "info", path, "--json")
        failures.check(rc == 0 and info is not None and info.get("ckpt_json") == 1,
                       f"ckpt info --json exit {rc}: {out[:500]} {err[:500]}")
    failures.finish("flax msgpack read")


if __name__ == "__main__":
    main()
