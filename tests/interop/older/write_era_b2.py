"""Late era B writer, run by the era-b2 venv (orbax-checkpoint 0.5.20, jax 0.4.30; see
tests/interop/requirements-era-b2.lock): the last releases that still write the `checkpoint` msgpack.
Per-process databases `ocdbt.process_0/` merged into the item's root database, `_METADATA` by
default, `_strings.json`, aggregated leaves, zarr v3, use_ocdbt=False, and a CheckpointManager run
with the `args` API. Expected leaves come from this Orbax's restore.

usage: write_era_b2.py OUT_DIR     writes the checkpoints and OUT_DIR/expected.json
"""
import os

os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"

import logging  # noqa: E402
import sys  # noqa: E402

import jax  # noqa: E402
import orbax.checkpoint as ocp  # noqa: E402

from era_cases import Cases  # noqa: E402
from write_era_b import era_b_tree, restore_args_for  # noqa: E402


def main():
    out = sys.argv[1]
    logging.getLogger("absl").setLevel(logging.ERROR)
    cases = Cases(out)
    # (handler options, aggregate non-jax leaves, string leaves)
    variants = {
        "ocdbt": ({"use_ocdbt": True}, False, True),
        "ocdbt_aggregated": ({"use_ocdbt": True}, True, False),
        "ocdbt_zarr3": ({"use_ocdbt": True, "use_zarr3": True}, False, True),
        "use_ocdbt_false": ({"use_ocdbt": False}, False, True),
    }
    for name, (options, aggregate, strings) in variants.items():
        path = os.path.join(out, name)
        tree = era_b_tree(seed=len(name), strings=strings)
        save_args = None
        if aggregate:
            save_args = jax.tree_util.tree_map(
                lambda leaf: ocp.SaveArgs(aggregate=not isinstance(leaf, (jax.Array, str))), tree)
        ckptr = ocp.Checkpointer(ocp.PyTreeCheckpointHandler(**options))
        ckptr.save(path, args=ocp.args.PyTreeSave(tree, save_args=save_args))
        restored = ckptr.restore(path, args=ocp.args.PyTreeRestore(restore_args=restore_args_for(tree)))
        files = sorted(os.listdir(path))
        if options["use_ocdbt"]:
            assert {"manifest.ocdbt", "ocdbt.process_0"} <= set(files), files
        cases.add(name, path, restored, files=files)

    root = os.path.join(out, "run")
    options = ocp.CheckpointManagerOptions(max_to_keep=2, create=True)
    mngr = ocp.CheckpointManager(root, item_names=("state", "config"), options=options)
    trees = {}
    for step in range(3):
        trees[step] = era_b_tree(seed=step, strings=True)
        mngr.save(step, args=ocp.args.Composite(state=ocp.args.PyTreeSave(trees[step]),
                                                config=ocp.args.JsonSave({"step": step, "name": f"s{step}"})))
    mngr.wait_until_finished()
    steps = list(mngr.all_steps())
    for step in steps:
        restored = mngr.restore(step, args=ocp.args.Composite(
            state=ocp.args.PyTreeRestore(restore_args=restore_args_for(trees[step])), config=ocp.args.JsonRestore()))
        cases.add(f"run_step_{step}", root, {"config": restored["config"], "state": restored["state"]},
                  args=["--step", str(step)])
    cases.add_steps("run", root, steps, ["config", "state"])
    cases.write()


if __name__ == "__main__":
    main()
