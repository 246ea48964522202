"""A real migration: a Linen model's checkpoint repaired into the same model's NNX state.

A small Linen model (Dense, BatchNorm, Dense) is trained one step so batch statistics differ from
their init, and saved with Orbax as {'params', 'batch_stats'}. The NNX version of the model names
its layers differently (dense0, bn, dense1) and keeps params and batch statistics side by side.
`ckpt transform` with three rename rules maps the checkpoint onto a `ckpt tree --json` skeleton of
the NNX state; real Orbax restores the result into the NNX state with a plain restore, and the NNX
model then computes exactly what the Linen model computes.

usage: repair_linen_to_nnx.py --ckpt BIN
"""
import json
import logging
import os
import tempfile
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import flax.linen as nn
import flax.serialization
import orbax.checkpoint as ocp
from flax import nnx

from interop_common import Failures, parse_args, run_ckpt

logging.getLogger("absl").setLevel(logging.ERROR)
warnings.filterwarnings("ignore")

RULES = [
    r"params/Dense_(\d+)/(.*)=dense\1/\2",
    r"params/BatchNorm_0/(.*)=bn/\1",
    r"batch_stats/BatchNorm_0/(.*)=bn/\1",
]


class LinenModel(nn.Module):
    @nn.compact
    def __call__(self, x, train=False):
        x = nn.Dense(8)(x)
        x = nn.BatchNorm(use_running_average=not train)(x)
        return nn.Dense(2)(nn.relu(x))


class NnxModel(nnx.Module):
    def __init__(self, rngs):
        self.dense0 = nnx.Linear(4, 8, rngs=rngs)
        self.bn = nnx.BatchNorm(8, use_running_average=True, rngs=rngs)
        self.dense1 = nnx.Linear(8, 2, rngs=rngs)

    def __call__(self, x):
        return self.dense1(nnx.relu(self.bn(self.dense0(x))))


def main():
    args = parse_args()
    failures = Failures()
    tmp = tempfile.mkdtemp(prefix="ckpt_nnx_")
    x = jax.random.normal(jax.random.PRNGKey(7), (5, 4))

    linen = LinenModel()
    variables = linen.init(jax.random.PRNGKey(0), x)
    # One training-mode pass so the running statistics are not their init values.
    _, updates = linen.apply(variables, x * 3 + 1, train=True, mutable=["batch_stats"])
    variables = {"params": variables["params"], "batch_stats": updates["batch_stats"]}
    want = np.asarray(linen.apply(variables, x))
    src = os.path.join(tmp, "linen")
    ocp.PyTreeCheckpointer().save(src, jax.tree_util.tree_map(np.asarray, variables))

    model = NnxModel(nnx.Rngs(1))
    target = jax.tree_util.tree_map(np.asarray, nnx.state(model).to_pure_dict())
    target_msgpack = os.path.join(tmp, "nnx_state.msgpack")
    with open(target_msgpack, "wb") as f:
        f.write(flax.serialization.to_bytes(target))
    rc, skeleton, so, se = run_ckpt(args.ckpt, "tree", target_msgpack, "--json")
    failures.check(rc == 0 and skeleton, f"ckpt tree of the NNX state: exit {rc}\n{se}")
    skeleton_path = os.path.join(tmp, "nnx_skeleton.json")
    with open(skeleton_path, "w") as f:
        json.dump(skeleton, f)
    renames = [f"--rename={r}" for r in RULES]

    # Without rules nothing lines up; with them every NNX leaf is renamed from the Linen checkpoint.
    rc, doc, so, _ = run_ckpt(args.ckpt, "transform", src, "--target", skeleton_path, "--json")
    failures.check(rc == 1 and doc and doc["counts"]["filled"] == 8, f"no rules: exit {rc} {doc and doc['counts']}")
    rc, doc, so, se = run_ckpt(args.ckpt, "transform", src, "--target", skeleton_path, *renames, "--json")
    failures.check(rc == 0, f"with rules: exit {rc}\n{so}\n{se}")
    if doc:
        failures.check(doc["counts"] == {"taken": 0, "renamed": 8, "filled": 0, "extra": 0},
                       f"counts {doc['counts']}")
        sources = {l["path"]: l.get("source") for l in doc["leaves"]}
        failures.check(sources.get("bn/mean") == "batch_stats/BatchNorm_0/mean", f"bn/mean from {sources.get('bn/mean')}")

    out = os.path.join(tmp, "nnx_ckpt")
    rc, _, so, se = run_ckpt(args.ckpt, "transform", src, "--target", skeleton_path, *renames, "-o", out,
                             "--to", "orbax")
    if failures.check(rc == 0, f"transform -o exit {rc}\n{so}\n{se}"):
        try:
            restored = ocp.PyTreeCheckpointer().restore(out, args=ocp.args.PyTreeRestore(
                item=target, restore_args=ocp.checkpoint_utils.construct_restore_args(target)))
            state = nnx.state(model)
            state.replace_by_pure_dict(jax.tree_util.tree_map(jnp.asarray, restored))
            nnx.update(model, state)
            got = np.asarray(model(x))
            failures.check(np.array_equal(got, want), f"NNX output {got.ravel()[:4]} != Linen {want.ravel()[:4]}")
        except Exception as e:  # noqa: BLE001 - a restore error is the failure being tested
            failures.add(f"restoring the migrated checkpoint into the NNX state failed: {type(e).__name__}: {e}")
    failures.finish("repair_linen_to_nnx")


if __name__ == "__main__":
    main()
