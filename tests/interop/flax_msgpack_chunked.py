"""Flax splits arrays over MAX_CHUNK_SIZE bytes into `__msgpack_chunked_array__` maps. With the
limit monkeypatched down to 4 KiB, `ckpt tree` must show each chunked array as ONE array leaf with
the original dtype, shape and bytes (arrays exactly at the limit stay unchunked)."""
import os
import tempfile

import flax.serialization

import flax_trees
from interop_common import Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args, trees_equal

CHUNK_LIMIT = 4096


def main():
    args = parse_args()
    failures = Failures()
    tree = flax_trees.chunked_tree()
    saved = flax.serialization.MAX_CHUNK_SIZE
    flax.serialization.MAX_CHUNK_SIZE = CHUNK_LIMIT
    try:
        data = flax.serialization.to_bytes(tree)
    finally:
        flax.serialization.MAX_CHUNK_SIZE = saved
    failures.check(data.count(b"__msgpack_chunked_array__") == 6,
                   "the oracle did not chunk the six arrays over the limit")
    failures.check(trees_equal(flax.serialization.to_state_dict(tree), flax.serialization.msgpack_restore(data),
                               failures=failures), "Flax does not read back its own chunked file")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "chunked.msgpack")
        with open(path, "wb") as f:
            f.write(data)
        doc = ckpt_tree(args.ckpt, path, failures)
        if doc is not None:
            compare_leaves(expected_leaves(flax.serialization.to_state_dict(tree)), doc, failures)
    failures.finish("flax msgpack chunked arrays")


if __name__ == "__main__":
    main()
