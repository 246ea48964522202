"""Era A writer, run by the era-a venv (orbax-checkpoint 0.2.7, jax 0.4.13; see
tests/interop/requirements-era-a.lock): an aggregate `checkpoint` msgpack with PLACEHOLDER:// leaves
plus one zarr v2 directory per array, aggregated (inline msgpack) leaves, a sharded jax.Array, and
a CheckpointManager run of that era. Each case's expected leaves come from this Orbax's own restore.

usage: write_era_a.py OUT_DIR     writes the checkpoints and OUT_DIR/expected.json
"""
import os

os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"

import logging  # noqa: E402
import sys  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import orbax.checkpoint as ocp  # noqa: E402
from jax.sharding import Mesh, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

from era_cases import Cases  # noqa: E402


def era_tree(seed):
    rng = np.random.default_rng(seed)
    mesh = Mesh(np.array(jax.devices()[:4]).reshape(2, 2), ("x", "y"))
    return {
        "params": {"dense": {"kernel": rng.standard_normal((6, 5)).astype(np.float32),
                             "bias": np.zeros((5,), np.float32)},
                   "embed": np.asarray(jnp.asarray(rng.standard_normal((40, 8)), jnp.bfloat16))},
        "sharded": jax.device_put(jnp.arange(8 * 6, dtype=jnp.float32).reshape(8, 6) + seed,
                                  NamedSharding(mesh, P("x", "y"))),
        "dtypes": {"int8": np.arange(-4, 4, dtype=np.int8), "uint16": np.arange(6, dtype=np.uint16),
                   "int64": np.array([2**40, -3], np.int64), "float16": np.linspace(0, 1, 5, dtype=np.float16),
                   "float64": rng.standard_normal((2, 3)), "complex64": np.array([1 + 2j, -3j], np.complex64),
                   "bool": np.array([True, False, True])},
        "zero_d": np.array(7 + seed, np.int32),
        "py_int": 3 + seed, "py_float": 0.25, "np_scalar": np.float32(1.5),
        "list": [np.arange(3, dtype=np.int32), {"x": np.ones((2, 2), np.float32)}],
    }


def save_args_for(tree, aggregate_all):
    """Strings must be aggregated in this era; `aggregate_all` puts every non-jax.Array leaf inline."""
    def args(leaf):
        aggregate = isinstance(leaf, str) or (aggregate_all and not isinstance(leaf, jax.Array))
        return ocp.SaveArgs(aggregate=aggregate)
    return jax.tree_util.tree_map(args, tree)


def main():
    out = sys.argv[1]
    logging.getLogger("absl").setLevel(logging.ERROR)
    cases = Cases(out)

    for name, aggregate_all in (("pytree", False), ("aggregated", True)):
        path = os.path.join(out, name)
        tree = era_tree(seed=1)
        tree["strings"] = {"s": "era a \u2713"}
        ckptr = ocp.PyTreeCheckpointer()
        ckptr.save(path, tree, save_args=save_args_for(tree, aggregate_all))
        cases.add(name, path, ckptr.restore(path), files=sorted(os.listdir(path)))

    root = os.path.join(out, "run")
    options = ocp.CheckpointManagerOptions(max_to_keep=2, create=True)
    mngr = ocp.CheckpointManager(root, {"state": ocp.PyTreeCheckpointer(),
                                        "config": ocp.Checkpointer(ocp.JsonCheckpointHandler())}, options)
    for step in range(3):
        mngr.save(step, {"state": era_tree(seed=step), "config": {"step": step, "lr": 0.1, "name": f"s{step}"}})
    mngr.wait_until_finished()
    steps = list(mngr.all_steps())
    for step in steps:
        restored = mngr.restore(step, items={"state": None, "config": None})
        cases.add(f"run_step_{step}", root, {"config": restored["config"], "state": restored["state"]},
                  args=["--step", str(step)])
    cases.add_steps("run", root, steps, ["config", "state"])
    cases.write()


if __name__ == "__main__":
    main()
