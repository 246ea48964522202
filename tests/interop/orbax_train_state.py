"""A flax.training TrainState (CNN params, optax adam state, BatchNorm batch_stats) after real
updates, saved by ocp.StandardCheckpointer. `ckpt tree --json --digest` must report every leaf
Orbax's restore returns, and every array of the in-memory TrainState under its key path.

usage: orbax_train_state.py --ckpt BIN
"""
import logging
import os
import tempfile
import warnings

import jax
import numpy as np
import orbax.checkpoint as ocp

import flax_trees
from interop_common import Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args


def key_name(key):
    for attr in ("key", "name", "idx"):
        if hasattr(key, attr):
            return str(getattr(key, attr))
    raise TypeError(f"unknown key {key!r}")


def main():
    args = parse_args()
    logging.getLogger("absl").setLevel(logging.ERROR)
    failures = Failures()
    state = flax_trees.make_train_state(seed=3, steps=3)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train_state")
        with ocp.StandardCheckpointer() as ckptr:
            ckptr.save(path, state)
            ckptr.wait_until_finished()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                restored = ckptr.restore(path)
                abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, state)
                typed = ckptr.restore(path, abstract)
        failures.check(int(typed.step) == 3, f"restored step {typed.step}")
        expected = expected_leaves(restored)
        print(f"orbax restored {len(expected)} leaves: {sorted({tuple(e['path'][:2]) for e in expected})}")
        doc = ckpt_tree(args.ckpt, path, failures)
        if doc is None:
            failures.finish("orbax TrainState")
        compare_leaves(expected, doc, failures, check_order=False)

        # Independently of Orbax's restore: every array of the live TrainState, by key path.
        got = {tuple(leaf["path"]): leaf for leaf in doc["leaves"]}
        live = jax.tree_util.tree_flatten_with_path(state)[0]
        for keypath, value in live:
            want = expected_leaves(np.asarray(value), tuple(key_name(k) for k in keypath))[0]
            have = got.get(tuple(want["path"]))
            if failures.check(have is not None, f"live leaf {want['path']} missing"):
                for field in ("dtype", "shape", "sha256"):
                    failures.check(have.get(field) == want[field],
                                   f"live leaf {want['path']}: {field} {have.get(field)!r} != {want[field]!r}")
        for needed in (("opt_state", "0", "mu"), ("opt_state", "0", "nu"), ("batch_stats",), ("params",)):
            failures.check(any(p[:len(needed)] == needed for p in got), f"no leaf under {needed}")
        print(f"checked {len(live)} live TrainState arrays")
    failures.finish("orbax TrainState (adam + batch_stats) via StandardCheckpointer")


if __name__ == "__main__":
    main()
