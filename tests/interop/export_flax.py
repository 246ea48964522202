"""`ckpt convert SRC DIR --to flax-msgpack --as-step M` writes DIR/checkpoint_M, which
flax.training.checkpoints.restore_checkpoint(DIR, target) finds as the latest step and restores
value-exactly; also from an Orbax source."""
import os
import tempfile

import flax.serialization
import numpy as np
import orbax.checkpoint as ocp
from flax.training import checkpoints

import flax_trees
from interop_common import Failures, parse_args, run_ckpt, trees_equal


def main():
    args = parse_args()
    failures = Failures()
    with tempfile.TemporaryDirectory() as tmp:
        state = flax_trees.make_train_state(seed=3, steps=2)
        state_dict = flax.serialization.to_state_dict(state)
        src = os.path.join(tmp, "state.msgpack")
        with open(src, "wb") as f:
            f.write(flax.serialization.to_bytes(state))
        folder = os.path.join(tmp, "ckpts")
        for step in (3, 10):
            rc, _, o, e = run_ckpt(args.ckpt, "convert", src, folder, "--to", "flax-msgpack", "--as-step", step)
            failures.check(rc == 0, f"--as-step {step}: exit {rc}: {e[:1000]}")
        failures.check(sorted(os.listdir(folder)) == ["checkpoint_10", "checkpoint_3"], f"folder: {os.listdir(folder)}")
        failures.check(checkpoints.latest_checkpoint(folder) == os.path.join(folder, "checkpoint_10"),
                       f"latest_checkpoint: {checkpoints.latest_checkpoint(folder)}")
        try:
            restored = checkpoints.restore_checkpoint(folder, target=state)
            failures.check(trees_equal(state_dict, flax.serialization.to_state_dict(restored), failures=failures),
                           "restore_checkpoint(folder, target) differs")
            raw = checkpoints.restore_checkpoint(folder, target=None, step=3)
            failures.check(trees_equal(state_dict, raw, failures=failures), "restore_checkpoint(step=3) differs")
        except Exception as ex:  # noqa: BLE001
            failures.add(f"restore_checkpoint raised {type(ex).__name__}: {ex}")
        rc, _, _, _ = run_ckpt(args.ckpt, "convert", src, folder, "--to", "flax-msgpack", "--as-step", "10")
        failures.check(rc == 2, f"existing checkpoint_10 without --force: exit {rc}, want 2")

        # An Orbax source converts to a Flax file that restores to the same arrays.
        osrc = os.path.join(tmp, "orbax_src")
        tree = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": {"c": np.int32(4)}}
        ocp.PyTreeCheckpointer().save(osrc, tree)
        rc, _, o, e = run_ckpt(args.ckpt, "convert", osrc, folder, "--to", "flax-msgpack", "--as-step", "11")
        failures.check(rc == 0, f"orbax -> flax: exit {rc}: {e[:1000]}")
        try:
            raw = checkpoints.restore_checkpoint(folder, target=None)
            failures.check(np.array_equal(raw["w"], tree["w"]) and raw["w"].dtype == np.float32, "w differs")
            failures.check(np.asarray(raw["b"]["c"]).item() == 4, f"b/c is {raw['b']['c']!r}")
        except Exception as ex:  # noqa: BLE001
            failures.add(f"restore_checkpoint (orbax source) raised {type(ex).__name__}: {ex}")
    failures.finish("export_flax")


if __name__ == "__main__":
    main()
