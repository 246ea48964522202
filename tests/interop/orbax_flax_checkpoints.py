"""flax.training.checkpoints (deprecated, still in the pinned Flax) writes a run folder of
`checkpoint_<step>` entries: msgpack files with flax_use_orbax_checkpointing=False, Orbax PyTree
directories with it on, through save_checkpoint and save_checkpoint_multiprocess (one process).

`ckpt steps DIR --json` must list exactly Flax's `available_steps` (int and float steps, natural
order, `keep` applied) with Flax's `latest_checkpoint` as latest; `ckpt tree` of every step entry,
and of DIR with `--step N`, must report every leaf of Flax's `restore_checkpoint(target=None)`.

usage: orbax_flax_checkpoints.py --ckpt BIN VARIANT
  legacy | orbax | multiprocess_legacy | multiprocess_orbax
"""
import logging
import os
import tempfile
import warnings

import flax
import numpy as np
from flax.training import checkpoints

import flax_trees
from interop_common import Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args, run_ckpt

STEPS = [1, 2, 2.5, 10]
KEEP = 3


def target_for(step):
    rng = np.random.default_rng(int(step * 10))
    return {"state": flax_trees.make_train_state(seed=int(step), steps=1),
            "extra": {"step": np.float32(step), "table": rng.standard_normal((6, 4)).astype(np.float32),
                      "labels": np.arange(5, dtype=np.int32), "nested": {"bf16": np.ones(3, "bfloat16")}}}


def step_number(row):
    return float(row["step"])


def main():
    args = parse_args(["variant"])
    logging.getLogger("absl").setLevel(logging.ERROR)
    variants = ("legacy", "orbax", "multiprocess_legacy", "multiprocess_orbax")
    if args.variant not in variants:
        raise SystemExit(f"unknown variant {args.variant}")
    use_orbax = args.variant.endswith("orbax")
    save = checkpoints.save_checkpoint_multiprocess if args.variant.startswith("multi") else checkpoints.save_checkpoint
    flax.config.update("flax_use_orbax_checkpointing", use_orbax)
    failures = Failures()
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = os.path.join(tmp, "run")
        for step in STEPS:
            save(run, target_for(step), step, keep=KEEP)
        available = [float(s) for s in checkpoints.available_steps(run, step_type=float)]
        latest = os.path.basename(checkpoints.latest_checkpoint(run))
        entries = sorted(os.listdir(run))
        print(f"flax wrote {entries}; available_steps {available}, latest {latest}")
        # Flax's save_checkpoint_multiprocess on the Orbax path leaves every step (no `keep`).
        want_kept = len(STEPS) if args.variant == "multiprocess_orbax" else KEEP
        failures.check(len(available) == want_kept, f"Flax kept {available}")
        kinds = {os.path.isdir(os.path.join(run, e)) for e in entries}
        failures.check(kinds == {use_orbax}, f"step entries are {'dirs' if use_orbax else 'files'}? {entries}")

        rc, doc, out, err = run_ckpt(args.ckpt, "steps", run, "--json")
        if rc != 0 or doc is None:
            failures.add(f"ckpt steps {run} --json -> exit {rc}: {out[:1000]} {err[:1000]}")
        else:
            rows = doc.get("steps", [])
            failures.check([step_number(r) for r in rows] == available,
                           f"ckpt steps lists {[r.get('step') for r in rows]}, Flax {available}")
            failures.check(all(r.get("complete") for r in rows), f"incomplete rows: {rows}")
            failures.check([r.get("name") for r in rows if r.get("latest")] == [latest],
                           f"latest {[r.get('name') for r in rows if r.get('latest')]}, Flax {latest}")
            failures.check(all(r.get("file") == (not use_orbax) for r in rows), f"file flags: {rows}")

        for step in available:
            step = int(step) if step.is_integer() else step  # the name Flax wrote: checkpoint_2, checkpoint_2.5
            restored = checkpoints.restore_checkpoint(run, target=None, step=step)
            expected = expected_leaves(restored)
            name = f"checkpoint_{step}"
            print(f"{name}: {len(expected)} leaves")
            for target_args in ((os.path.join(run, name),), (run, "--step", name[len("checkpoint_"):])):
                doc = ckpt_tree(args.ckpt, target_args[0], failures, *target_args[1:])
                if doc is not None:
                    compare_leaves(expected, doc, failures, check_order=False)
    failures.finish(f"flax.training.checkpoints ({args.variant})")


if __name__ == "__main__":
    main()
