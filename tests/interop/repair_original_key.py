"""`ckpt transform --original-key TARGET_REGEX=TEMPLATE` must give, leaf for leaf (sha256 of the
values), what real Orbax restore gives with `transforms={TARGET_REGEX: Transform(original_key=TEMPLATE)}`.

Facts checked here against the pinned Orbax (0.12.8 still offers `transforms`, with a warning that
a new API will replace it; orbax/checkpoint/transform_utils.py::apply_transformations):
  - keys are `/`-joined, list indices in decimal (`model/layers/0/kernel`);
  - the transform key is re.fullmatch'ed against the target key;
  - every matching transform is applied, in sorted key order: the one whose regex sorts last wins;
  - a matching transform whose original key is missing raises ValueError;
  - a target key no transform matches and the checkpoint lacks keeps the target's value.

usage: repair_original_key.py --ckpt BIN
"""
import logging
import os
import shutil
import tempfile
import warnings

import numpy as np
import orbax.checkpoint as ocp
from orbax.checkpoint import transform_utils

from interop_common import Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args, run_ckpt

logging.getLogger("absl").setLevel(logging.ERROR)
warnings.filterwarnings("ignore")
T = transform_utils.Transform


def source_tree():
    rng = np.random.default_rng(11)
    return {
        "params": {
            "Dense_0": {"kernel": rng.standard_normal((4, 3)).astype(np.float32),
                        "bias": rng.standard_normal(3).astype(np.float32)},
            "Dense_1": {"kernel": rng.standard_normal((3, 2)).astype(np.float32),
                        "bias": np.arange(2, dtype=np.float32) + 0.5},
        },
        "opt_state": {"count": np.array(7, np.int32), "mu": np.ones(5, np.float32)},
        "step": np.array(42, np.int64),
    }


def target_tree():
    """Layers as a list, a head two rules match, a leaf nobody has, the count moved, opt_state gone."""
    return {
        "model": {
            "layers": [
                {"kernel": np.zeros((4, 3), np.float32), "bias": np.zeros(3, np.float32)},
                {"kernel": np.zeros((3, 2), np.float32), "bias": np.zeros(2, np.float32)},
            ],
            "head": {"w": np.zeros(2, np.float32)},
            "norm": {"scale": np.full(2, 0.25, np.float32)},
            "count": np.array(0, np.int32),
        },
        "step": np.array(0, np.int64),
    }


# (regex, template): the head matches two rules; "model/head/w" sorts after "model/head/(w)" and wins.
ORIGINAL_KEYS = [
    (r"model/layers/(\d+)/(.*)", r"params/Dense_\1/\2"),
    (r"model/head/w", r"params/Dense_1/bias"),
    (r"model/head/(w)", r"params/Dense_0/bias"),
    (r"model/count", r"opt_state/count"),
]


def orbax_restore(checkpointer, src, target, rules):
    transforms = {regex: T(original_key=template) for regex, template in rules}
    return checkpointer.restore(src, args=ocp.args.PyTreeRestore(
        item=target, transforms=transforms, restore_args=ocp.checkpoint_utils.construct_restore_args(target)))


def main():
    args = parse_args()
    failures = Failures()
    ckpt = args.ckpt
    tmp = tempfile.mkdtemp(prefix="ckpt_original_key_")
    checkpointer = ocp.PyTreeCheckpointer()
    src, target_dir = os.path.join(tmp, "src"), os.path.join(tmp, "target")
    checkpointer.save(src, source_tree())
    target = target_tree()
    checkpointer.save(target_dir, target)

    want = orbax_restore(checkpointer, src, target, ORIGINAL_KEYS)
    failures.check(np.array_equal(want["model"]["head"]["w"], source_tree()["params"]["Dense_1"]["bias"]),
                   "Orbax facts changed: the rule sorting last no longer wins")
    expected = expected_leaves(want)

    # 1. Every rule in the Orbax direction; 2. the count moved by a checkpoint -> target rule instead.
    variants = {
        "original-key only": [f"--original-key={r}={t}" for r, t in ORIGINAL_KEYS],
        "both directions": [f"--original-key={r}={t}" for r, t in ORIGINAL_KEYS[:3]]
        + ["--rename=opt_state/count=model/count"],
    }
    for index, (name, rules) in enumerate(variants.items()):
        rc, doc, so, se = run_ckpt(ckpt, "transform", src, "--target", target_dir, *rules, "--json")
        failures.check(rc == 1, f"{name}: report exit {rc} (want 1: model/norm/scale is filled)\n{so}\n{se}")
        if doc:
            leaves = {l["path"]: l for l in doc["leaves"]}
            head = leaves.get("model/head/w", {})
            failures.check(head.get("source") == "params/Dense_1/bias", f"{name}: head {head}")
            failures.check(any(p["kind"] == "ambiguous" and not p["fatal"] for p in head.get("problems", [])),
                           f"{name}: head problems {head.get('problems')}")
            k1 = leaves.get("model/layers/1/kernel", {})
            failures.check(k1.get("fate") == "renamed" and k1.get("rule_kind") == "original_key", f"{name}: {k1}")
            failures.check(leaves.get("model/norm/scale", {}).get("fate") == "filled", f"{name}: norm {leaves}")
            failures.check(sorted(doc["extras"]) == ["opt_state/mu"], f"{name}: extras {doc['extras']}")
        for fmt in ("flax-msgpack", "orbax"):
            out = os.path.join(tmp, f"out_{fmt}_{index}")
            rc, _, so, se = run_ckpt(ckpt, "transform", src, "--target", target_dir, *rules, "-o", out, "--to", fmt)
            if not failures.check(rc == 0, f"{name}: transform -o --to {fmt} exit {rc}\n{so}\n{se}"):
                continue
            got = ckpt_tree(ckpt, out, failures)
            if got:
                print(f"{name} -> {fmt}:", end=" ")
                compare_leaves(expected, got, failures, check_order=False)

    # 3. A matching rule whose template names a missing key: Orbax raises, we report a fatal problem.
    bad = ORIGINAL_KEYS + [(r"model/norm/(scale)", r"params/norm/\1")]
    try:
        orbax_restore(checkpointer, src, target, bad)
        failures.add("Orbax facts changed: a missing original key no longer raises")
    except ValueError as e:
        failures.check("params/norm/scale" in str(e), f"Orbax error {e}")
    rc, doc, so, se = run_ckpt(ckpt, "transform", src, "--target", target_dir,
                               *[f"--original-key={r}={t}" for r, t in bad], "--json")
    failures.check(rc == 1, f"missing original key: exit {rc}\n{so}\n{se}")
    if doc:
        norm = next((l for l in doc["leaves"] if l["path"] == "model/norm/scale"), {})
        failures.check(any(p["kind"] == "missing" and p["fatal"] and "params/norm/scale" in p["detail"]
                           for p in norm.get("problems", [])), f"missing original key: {norm}")

    # 4. re.fullmatch, not search: a rule for `w` alone matches nothing in Orbax and in ckpt.
    partial = [(r"w", r"params/none")] + ORIGINAL_KEYS[:1] + ORIGINAL_KEYS[3:]
    try:
        orbax_restore(checkpointer, src, target, partial)
        matched_in_orbax = False
    except ValueError:
        matched_in_orbax = True
    failures.check(not matched_in_orbax, "Orbax facts changed: transform keys are searched, not fullmatched")
    rc, doc, so, se = run_ckpt(ckpt, "transform", src, "--target", target_dir,
                               *[f"--original-key={r}={t}" for r, t in partial], "--json")
    if doc:
        head = next((l for l in doc["leaves"] if l["path"] == "model/head/w"), {})
        failures.check(head.get("fate") == "filled" and "rule" not in head, f"fullmatch: {head}")
    shutil.rmtree(tmp, ignore_errors=True)
    failures.finish("repair_original_key")


if __name__ == "__main__":
    main()
