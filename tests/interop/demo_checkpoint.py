"""The committed demo (resources/demo, made by resources/make_demo.py) must read in `ckpt` exactly
as Orbax and Flax read it: the CheckpointManager run (latest step and --step 1) and the legacy
msgpack file, whose arrays must equal the Orbax step-3 state."""
import logging
import os
import warnings

import flax.serialization
import numpy as np
import orbax.checkpoint as ocp

from interop_common import Failures, canonical_bytes, ckpt_tree, compare_leaves, expected_leaves, parse_args


def main():
    args = parse_args(["demo_dir"])
    logging.getLogger("absl").setLevel(logging.ERROR)
    failures = Failures()
    run = os.path.join(args.demo_dir, "run")
    msgpack_path = os.path.join(args.demo_dir, "flax_state.msgpack")
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(args.demo_dir) for n in names)
    failures.check(total < 512 * 1024, f"demo is {total} bytes; keep it under 512 KiB")
    with ocp.CheckpointManager(run, item_names=("state", "metrics")) as mngr:
        failures.check(list(mngr.all_steps()) == [1, 2, 3], f"demo steps {mngr.all_steps()}")
        latest = None
        for step, extra in ((3, ()), (1, ("--step", "1"))):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                restored = mngr.restore(step, args=ocp.args.Composite(state=ocp.args.StandardRestore(),
                                                                      metrics=ocp.args.JsonRestore()))
            restored = {"state": restored["state"], "metrics": restored["metrics"]}
            latest = latest or restored
            doc = ckpt_tree(args.ckpt, run, failures, *extra)
            if doc is not None:
                compare_leaves(expected_leaves(restored), doc, failures, check_order=False)
    with open(msgpack_path, "rb") as f:
        state = flax.serialization.msgpack_restore(f.read())
    doc = ckpt_tree(args.ckpt, msgpack_path, failures)
    if doc is not None:
        compare_leaves(expected_leaves(state), doc, failures)
    # Same training state in both formats (Orbax restores optax's tuple as a list).
    orbax_leaves = {tuple(leaf["path"][1:]): leaf for leaf in expected_leaves(latest["state"])}
    for leaf in expected_leaves(state):
        other = orbax_leaves.get(tuple(leaf["path"]))
        if leaf["kind"] == "array" and other is not None:
            failures.check(other.get("sha256") == leaf["sha256"], f"{leaf['path']}: msgpack and Orbax differ")
    failures.check(np.asarray(state["step"]).item() == 3, "msgpack step is not 3")
    failures.check(canonical_bytes(np.asarray(state["params"]["head"]["bias"]))
                   == canonical_bytes(np.asarray(latest["state"]["params"]["head"]["bias"])),
                   "head/bias differs between the two demo files")
    failures.finish("demo checkpoint")


if __name__ == "__main__":
    main()
