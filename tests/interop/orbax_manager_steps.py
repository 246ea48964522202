"""CheckpointManager with max_to_keep=2 over 4 steps and three items (a PyTree, a StandardSave
state, a JSON item), then interrupted saves left as tmp folders.

`ckpt steps ROOT --json` must list exactly the steps Orbax's own manager lists, each complete and
with exactly the saved items; `ckpt tree ROOT --step N` must report every leaf Orbax restores for
that step. Interrupted saves (a finished step copied to `<n>.orbax-checkpoint-tmp-<digits>`, the
2023-2025 naming, and to `<n>.orbax-checkpoint-tmp`, the current one) must be listed as incomplete,
never be the latest, and not change which step `ckpt tree ROOT` opens.

usage: orbax_manager_steps.py --ckpt BIN
"""
import logging
import os
import shutil
import tempfile
import warnings

import numpy as np
import orbax.checkpoint as ocp

from interop_common import Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args, run_ckpt

ITEMS = ("params", "state", "config")


def items_for(step):
    rng = np.random.default_rng(100 + step)
    params = {"dense": {"kernel": rng.standard_normal((12, 7)).astype(np.float32),
                        "bias": np.full((7,), step, np.float32)},
              "tuple": (np.arange(step + 1, dtype=np.int64), "tag", None)}
    state = {"step": np.int64(step), "ema": rng.standard_normal((5,)).astype(np.float64), "opt": [{}, []]}
    config = {"lr": 0.5 / (step + 1), "step": step, "name": f"run-{step}", "flags": [True, False, None]}
    return params, state, config


def restore_step(mngr, step):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        restored = mngr.restore(step, args=ocp.args.Composite(
            params=ocp.args.PyTreeRestore(), state=ocp.args.StandardRestore(), config=ocp.args.JsonRestore()))
    return {name: restored[name] for name in ITEMS}


def ckpt_steps(ckpt, root, failures):
    rc, doc, out, err = run_ckpt(ckpt, "steps", root, "--json")
    if rc != 0 or doc is None or "steps" not in doc:
        failures.add(f"ckpt steps {root} --json -> exit {rc}\nstdout: {out[:2000]}\nstderr: {err[:2000]}")
        return []
    return doc["steps"]


def check_steps(args, failures, root, want_steps, want_incomplete):
    """`ckpt steps` lists `want_steps` complete (with every item) plus the `want_incomplete` names."""
    rows = ckpt_steps(args.ckpt, root, failures)
    complete = [r for r in rows if r.get("complete")]
    incomplete = [r for r in rows if not r.get("complete")]
    failures.check([r.get("step") for r in complete] == want_steps,
                   f"complete steps {[r.get('step') for r in complete]}, want {want_steps}")
    for r in complete:
        failures.check(r.get("items") == sorted(ITEMS), f"step {r.get('step')}: items {r.get('items')}")
    failures.check(sorted(r.get("name") for r in incomplete) == sorted(want_incomplete),
                   f"incomplete {[r.get('name') for r in incomplete]}, want {sorted(want_incomplete)}")
    for r in incomplete:
        failures.check(not r.get("latest"), f"incomplete {r.get('name')} is marked latest")
        failures.check(bool(r.get("incomplete_reason")), f"incomplete {r.get('name')} has no reason")
    latest = [r.get("step") for r in rows if r.get("latest")]
    failures.check(latest == want_steps[-1:], f"latest {latest}, want {want_steps[-1:]}")
    print(f"ckpt steps: {[(r.get('name'), r.get('complete'), r.get('latest')) for r in rows]}")


def check_tree(args, failures, root, mngr, step, *extra):
    expected = expected_leaves(restore_step(mngr, step))
    doc = ckpt_tree(args.ckpt, root, failures, *extra)
    if doc is not None:
        failures.check(doc.get("source", {}).get("step") == step,
                       f"{extra}: source.step is {doc.get('source', {}).get('step')!r}, want {step}")
        compare_leaves(expected, doc, failures, check_order=False)


def main():
    args = parse_args()
    logging.getLogger("absl").setLevel(logging.ERROR)
    failures = Failures()
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "run")
        options = ocp.CheckpointManagerOptions(max_to_keep=2, create=True)
        with ocp.CheckpointManager(root, item_names=ITEMS, options=options) as mngr:
            for step in range(4):
                params, state, config = items_for(step)
                mngr.save(step, args=ocp.args.Composite(params=ocp.args.PyTreeSave(params),
                                                        state=ocp.args.StandardSave(state),
                                                        config=ocp.args.JsonSave(config)))
            mngr.wait_until_finished()
            kept = list(mngr.all_steps())
            print(f"orbax keeps steps {kept} of 0..3; folders: {sorted(os.listdir(root))}")
            failures.check(kept == [2, 3], f"Orbax itself kept {kept}")
            check_steps(args, failures, root, kept, [])
            check_tree(args, failures, root, mngr, kept[-1])
            for step in kept:
                check_tree(args, failures, root, mngr, step, "--step", str(step))
            rc, doc, _, _ = run_ckpt(args.ckpt, "tree", root, "--json", "--step", "0")
            failures.check(rc == 2 and doc is not None and "error" in doc,
                           f"--step 0 (deleted by max_to_keep): exit {rc}, {doc}")

            # Interrupted saves: Orbax's atomic-rename tmp folders of newer steps.
            shutil.copytree(os.path.join(root, "3"), os.path.join(root, "4.orbax-checkpoint-tmp-1732851234567890"))
            shutil.copytree(os.path.join(root, "2"), os.path.join(root, "5.orbax-checkpoint-tmp"))
            tmp_names = ["4.orbax-checkpoint-tmp-1732851234567890", "5.orbax-checkpoint-tmp"]
        with ocp.CheckpointManager(root, item_names=ITEMS) as mngr:
            failures.check(list(mngr.all_steps()) == kept and mngr.latest_step() == kept[-1],
                           f"Orbax sees {list(mngr.all_steps())}, latest {mngr.latest_step()}")
            check_steps(args, failures, root, kept, tmp_names)
            check_tree(args, failures, root, mngr, kept[-1])
            check_tree(args, failures, root, mngr, kept[0], "--step", str(kept[0]))
    failures.finish("orbax CheckpointManager steps (max_to_keep, interrupted saves)")


if __name__ == "__main__":
    main()
