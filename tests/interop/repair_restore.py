"""`ckpt transform` must give what real Orbax restore with `transforms` and Flax `from_state_dict`
give for the same checkpoint, target and rules, and what it writes must restore into the target.

The oracles are the libraries: Orbax 0.12.8 `PyTreeRestore(item, transforms, restore_args)`
(docs/formats.md §5.1) and `flax.serialization.from_state_dict` (§1.6). Each `--rename REGEX=REPL`
(checkpoint path -> target path) is given to Orbax as the equivalent
`Transform(original_key=...)` keyed by the target-path regex.

usage: repair_restore.py --ckpt BIN
"""
import logging
import os
import tempfile
import warnings

import numpy as np
import flax.serialization
import orbax.checkpoint as ocp
from orbax.checkpoint import transform_utils

from interop_common import Failures, canonical_bytes, parse_args, run_ckpt

logging.getLogger("absl").setLevel(logging.ERROR)
warnings.filterwarnings("ignore")


def flat(tree, prefix=""):
    """{'a/b': leaf} with dict keys sorted: Orbax does not keep insertion order."""
    if isinstance(tree, dict):
        out = {}
        for k in tree:
            out.update(flat(tree[k], f"{prefix}/{k}" if prefix else str(k)))
        return out
    return {prefix: tree}


def same_trees(want, got, failures, what):
    fw, fg = flat(want), flat(got)
    if not failures.check(sorted(fw) == sorted(fg), f"{what}: paths {sorted(fw)} != {sorted(fg)}"):
        return
    for k in fw:
        a, b = np.asarray(fw[k]), np.asarray(fg[k])
        ok = a.dtype == b.dtype and a.shape == b.shape and canonical_bytes(a) == canonical_bytes(b)
        failures.check(ok, f"{what}: {k}: {a.dtype}{a.shape} {a.ravel()[:4]} != {b.dtype}{b.shape} {b.ravel()[:4]}")


def source_tree():
    rng = np.random.default_rng(3)
    return {
        "params": {
            "Dense_0": {"kernel": rng.standard_normal((4, 3)).astype(np.float32),
                        "bias": rng.standard_normal(3).astype(np.float32)},
            "Dense_1": {"kernel": rng.standard_normal((3, 2)).astype(np.float32),
                        "bias": np.arange(2, dtype=np.float32)},
        },
        "opt_state": {"count": np.array(7, np.int32), "mu": np.ones(5, np.float32)},
    }


def target_tree():
    """Renamed layers, one leaf the checkpoint lacks (kept from the target), opt_state dropped."""
    return {
        "params": {
            "layers_0": {"kernel": np.zeros((4, 3), np.float32), "bias": np.zeros(3, np.float32)},
            "layers_1": {"kernel": np.zeros((3, 2), np.float32), "bias": np.zeros(2, np.float32)},
            "norm": {"scale": np.full(2, 0.5, np.float32)},
        },
    }


RULES = [r"params/Dense_(\d+)/(.*)=params/layers_\1/\2"]
ORBAX_TRANSFORMS = {r"params/layers_(\d+)/(.*)": transform_utils.Transform(original_key=r"params/Dense_\1/\2")}


def main():
    args = parse_args()
    failures = Failures()
    ckpt = args.ckpt
    tmp = tempfile.mkdtemp(prefix="ckpt_repair_")
    checkpointer = ocp.PyTreeCheckpointer()
    src_dir, target_dir = os.path.join(tmp, "src"), os.path.join(tmp, "target")
    checkpointer.save(src_dir, source_tree())
    target = target_tree()
    checkpointer.save(target_dir, target)
    renames = [f"--rename={r}" for r in RULES]

    # 1. Orbax restore with transforms vs ckpt transform of the same checkpoint into the same target.
    restore_args = ocp.checkpoint_utils.construct_restore_args(target)
    want = checkpointer.restore(src_dir, args=ocp.args.PyTreeRestore(
        item=target, transforms=ORBAX_TRANSFORMS, restore_args=restore_args))
    out = os.path.join(tmp, "out.msgpack")
    rc, doc, so, se = run_ckpt(ckpt, "transform", src_dir, "--target", target_dir, *renames, "--json")
    failures.check(rc == 1, f"report exit {rc} (want 1: params/norm/scale is missing)\n{so}\n{se}")
    if doc:
        fates = {l["path"]: l["fate"] for l in doc["leaves"]}
        failures.check(fates.get("params/layers_0/kernel") == "renamed", f"fates {fates}")
        failures.check(fates.get("params/norm/scale") == "filled", f"fates {fates}")
        failures.check(sorted(doc["extras"]) == ["opt_state/count", "opt_state/mu"], f"extras {doc['extras']}")
    rc, _, so, se = run_ckpt(ckpt, "transform", src_dir, "--target", target_dir, *renames, "-o", out,
                             "--to", "flax-msgpack")
    if failures.check(rc == 0, f"transform -o exit {rc}\n{so}\n{se}"):
        with open(out, "rb") as f:
            got = flax.serialization.msgpack_restore(f.read())
        same_trees(want, got, failures, "orbax transforms")

    # 2. Flax from_state_dict: a msgpack checkpoint renamed by the rules, restored into a target the
    #    checkpoint covers; extras are dropped by both.
    flax_src = os.path.join(tmp, "src.msgpack")
    with open(flax_src, "wb") as f:
        f.write(flax.serialization.to_bytes(source_tree()))
    full_target = target_tree()
    del full_target["params"]["norm"]
    flax_target = os.path.join(tmp, "flax_target.msgpack")
    with open(flax_target, "wb") as f:
        f.write(flax.serialization.to_bytes(full_target))
    state = flax.serialization.msgpack_restore(open(flax_src, "rb").read())
    state["params"] = {k.replace("Dense_", "layers_"): v for k, v in state["params"].items()}
    want = flax.serialization.from_state_dict(full_target, state)
    out2 = os.path.join(tmp, "out2.msgpack")
    rc, _, so, se = run_ckpt(ckpt, "transform", flax_src, "--target", flax_target, *renames, "-o", out2)
    if failures.check(rc == 0, f"transform (flax) exit {rc}\n{so}\n{se}"):
        got = flax.serialization.from_bytes(full_target, open(out2, "rb").read())
        same_trees(want, got, failures, "flax from_state_dict")
    rc, _, so, _ = run_ckpt(ckpt, "transform", flax_src, "--target", flax_target, *renames)
    failures.check(rc == 0, f"a covered target must report exit 0, got {rc}\n{so}")

    # 3. Exported as Orbax, the result restores into the target with a plain restore (no transforms,
    #    no partial_restore: the structure must match exactly).
    out3 = os.path.join(tmp, "out_orbax")
    rc, _, so, se = run_ckpt(ckpt, "transform", src_dir, "--target", target_dir, *renames, "-o", out3, "--to", "orbax")
    if failures.check(rc == 0, f"transform --to orbax exit {rc}\n{so}\n{se}"):
        try:
            got = checkpointer.restore(out3, args=ocp.args.PyTreeRestore(
                item=target, restore_args=ocp.checkpoint_utils.construct_restore_args(target)))
            want = checkpointer.restore(src_dir, args=ocp.args.PyTreeRestore(
                item=target, transforms=ORBAX_TRANSFORMS, restore_args=restore_args))
            same_trees(want, got, failures, "orbax restore of our export")
        except Exception as e:  # noqa: BLE001 - any restore error is the failure being tested
            failures.add(f"Orbax could not restore our export into the target: {type(e).__name__}: {e}")

    # 4. The saved recipe replays to the same checkpoint.
    recipe = os.path.join(tmp, "recipe.json")
    out4 = os.path.join(tmp, "out4.msgpack")
    run_ckpt(ckpt, "transform", src_dir, "--target", target_dir, *renames, "--save-recipe", recipe)
    rc, _, so, se = run_ckpt(ckpt, "apply", recipe, src_dir, "-o", out4)
    if failures.check(rc == 0, f"apply exit {rc}\n{so}\n{se}"):
        same_trees(flax.serialization.msgpack_restore(open(out, "rb").read()),
                   flax.serialization.msgpack_restore(open(out4, "rb").read()), failures, "recipe replay")
    failures.finish("repair_restore")


if __name__ == "__main__":
    main()
