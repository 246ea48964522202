"""Era B writer, run by the era-b venv (orbax-checkpoint 0.4.1, jax 0.4.18; see
tests/interop/requirements-era-b.lock): the first OCDBT releases. One shared OCDBT database per item
(`manifest.ocdbt`, `d/`, no per-process databases yet), the `checkpoint` msgpack of PLACEHOLDER://
leaves, strings in `_strings.json`, optional `_METADATA` (write_tree_metadata), aggregated leaves,
use_ocdbt=False (which this release half ignores), and a CheckpointManager run. Expected leaves
come from this Orbax's restore.

usage: write_era_b.py OUT_DIR     writes the checkpoints and OUT_DIR/expected.json
"""
import os

os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"

import logging  # noqa: E402
import sys  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402
import orbax.checkpoint as ocp  # noqa: E402

from era_cases import Cases  # noqa: E402
from write_era_a import era_tree  # noqa: E402


def era_b_tree(seed, strings):
    tree = era_tree(seed)
    if strings:
        tree["strings"] = {"s": f"era b \u2713 {seed}", "empty": ""}
    tree["big"] = np.random.default_rng(seed).standard_normal((64, 40)).astype(np.float32)  # out-of-line values
    return tree


def restore_args_for(tree):
    """This Orbax cannot infer strings without `_METADATA`: say what every leaf restores as."""
    def args(leaf):
        if isinstance(leaf, str):
            return ocp.RestoreArgs(restore_type=str)
        if isinstance(leaf, jax.Array):
            return ocp.ArrayRestoreArgs(sharding=leaf.sharding)
        return ocp.RestoreArgs()
    return jax.tree_util.tree_map(args, tree)


def save_and_restore(path, tree, handler, save_args=None):
    ckptr = ocp.Checkpointer(handler)
    ckptr.save(path, tree, save_args=save_args)
    return ckptr.restore(path, restore_args=restore_args_for(tree))


def main():
    out = sys.argv[1]
    logging.getLogger("absl").setLevel(logging.ERROR)
    cases = Cases(out)
    # (use_ocdbt, write_tree_metadata, aggregate non-jax leaves, string leaves). Each handler is made
    # right before its save: in this Orbax a handler's constructor re-registers global type handlers.
    variants = {
        "ocdbt": (True, False, False, False),
        "ocdbt_strings": (True, False, False, True),
        "ocdbt_tree_metadata_strings": (True, True, False, True),
        "ocdbt_aggregated": (True, False, True, False),
        # This Orbax still writes the arrays into the OCDBT database here and leaves an empty
        # directory per array beside it: a layout real checkpoints of the era have.
        "use_ocdbt_false": (False, False, False, False),
    }
    for name, (use_ocdbt, tree_metadata, aggregate, strings) in variants.items():
        handler = ocp.PyTreeCheckpointHandler(use_ocdbt=use_ocdbt, write_tree_metadata=tree_metadata)
        path = os.path.join(out, name)
        tree = era_b_tree(seed=len(name), strings=strings)
        save_args = None
        if aggregate:
            save_args = jax.tree_util.tree_map(
                lambda leaf: ocp.SaveArgs(aggregate=not isinstance(leaf, (jax.Array, str))), tree)
        restored = save_and_restore(path, tree, handler, save_args)
        cases.add(name, path, restored, files=sorted(os.listdir(path)))

    root = os.path.join(out, "run")
    options = ocp.CheckpointManagerOptions(max_to_keep=2, create=True)
    mngr = ocp.CheckpointManager(root, {"state": ocp.PyTreeCheckpointer(),
                                        "config": ocp.Checkpointer(ocp.JsonCheckpointHandler())}, options)
    trees = {}
    for step in range(3):
        trees[step] = era_b_tree(seed=step, strings=False)
        mngr.save(step, {"state": trees[step], "config": {"step": step, "lr": 0.1, "name": f"s{step}"}})
    mngr.wait_until_finished()
    steps = list(mngr.all_steps())
    for step in steps:
        restored = mngr.restore(step, items={"state": None, "config": None},
                                restore_kwargs={"state": {"restore_args": restore_args_for(trees[step])}})
        cases.add(f"run_step_{step}", root, {"config": restored["config"], "state": restored["state"]},
                  args=["--step", str(step)])
    cases.add_steps("run", root, steps, ["config", "state"])
    cases.write()


if __name__ == "__main__":
    main()
