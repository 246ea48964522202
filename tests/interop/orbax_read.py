"""Real Orbax writes checkpoints; `ckpt tree --json --digest` must report exactly the leaves that
Orbax's own restore returns (dtype, shape, sha256 of the canonical bytes; scalars, strings, None,
empty containers).

usage: orbax_read.py --ckpt BIN VARIANT
  default   PyTreeCheckpointHandler defaults: OCDBT + zarr v2
  zarr3     use_zarr3=True (OCDBT + zarr v3)
  no_ocdbt  use_ocdbt=False (one zarr v2 directory per array)
  manager   CheckpointManager, 4 steps x 3 items (StandardSave, PyTreeSave, JsonSave); latest step
            and --step 1
"""
import os

# Four CPU devices so one array is saved sharded, as several chunks (must precede importing jax).
os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"

import logging  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import orbax.checkpoint as ocp  # noqa: E402
from jax.sharding import Mesh, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

import flax_trees  # noqa: E402
from interop_common import Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args  # noqa: E402

# dtypes TensorStore 0.1.86 accepts in zarr v2 and v3 (float8_e4m3, float6_*, uint4 and uint2 are
# rejected by TensorStore itself, so Orbax cannot write them).
ORBAX_DTYPES = [n for n in flax_trees.ALL_DTYPES
                if n not in ("float8_e4m3", "float6_e2m3fn", "float6_e3m2fn", "uint4", "uint2")]


def orbax_tree(seed):
    rng = np.random.default_rng(seed)
    mesh = Mesh(np.array(jax.devices()[:4]).reshape(2, 2), ("x", "y"))
    return {
        "params": {
            "dense": {"kernel": jnp.asarray(rng.standard_normal((16, 8)), jnp.float32),
                      "bias": jnp.zeros((8,), jnp.float32)},
            "embed": jnp.asarray(rng.standard_normal((300, 256)), jnp.bfloat16),  # ~150 KB, out of line
        },
        "sharded": jax.device_put(jnp.arange(16 * 6, dtype=jnp.float32).reshape(16, 6) + seed,
                                  NamedSharding(mesh, P("x", "y"))),
        "dtypes": {n: flax_trees.random_array(rng, n, (3, 5)) for n in ORBAX_DTYPES},
        "zero_d": np.array(seed, np.int32),
        "py_int": 3 + seed, "py_float": 0.5, "np_scalar": np.float32(2.0), "big_int": 2**40,
        "string": "hello \u2713", "none": None, "empty_dict": {}, "empty_list": [],
        "list": [np.arange(3), (np.ones(2, np.float16), {"x": np.int8(1)})],
    }


def restore_plain(path, **handler_options):
    with ocp.Checkpointer(ocp.PyTreeCheckpointHandler(**handler_options)) as ckptr, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ckptr.restore(path)


def check_single(args, failures, tmp, **handler_options):
    path = os.path.join(tmp, "item")
    tree = orbax_tree(seed=0)
    with ocp.Checkpointer(ocp.PyTreeCheckpointHandler(**handler_options)) as ckptr:
        ckptr.save(path, args=ocp.args.PyTreeSave(tree))
    expected = expected_leaves(restore_plain(path))
    print(f"orbax wrote {path} ({handler_options or 'defaults'}), {len(expected)} leaves")
    doc = ckpt_tree(args.ckpt, path, failures)
    if doc is not None:
        fmt = doc.get("source", {}).get("format", "")
        failures.check(fmt.startswith("orbax"), f"source.format is {fmt!r}")
        compare_leaves(expected, doc, failures, check_order=False)


def manager_items(step):
    rng = np.random.default_rng(step)
    state = {"step": np.int32(step), "params": {"w": rng.standard_normal((32, 16)).astype(np.float32),
                                                "b": np.full((16,), step, np.float32)},
             "opt_state": [{"count": np.int32(step), "mu": np.zeros((4,), np.float32)}, None]}
    extra = orbax_tree(seed=step)
    config = {"lr": 0.001 * step, "name": f"run-{step}", "layers": [64, 32], "nested": {"flag": True, "none": None}}
    return state, extra, config


def check_manager(args, failures, tmp):
    root = os.path.join(tmp, "run")
    names = ("state", "extra", "config")
    with ocp.CheckpointManager(root, item_names=names,
                               options=ocp.CheckpointManagerOptions(max_to_keep=10, create=True)) as mngr:
        for step in range(4):
            state, extra, config = manager_items(step)
            mngr.save(step, args=ocp.args.Composite(state=ocp.args.StandardSave(state),
                                                    extra=ocp.args.PyTreeSave(extra),
                                                    config=ocp.args.JsonSave(config)))
        mngr.wait_until_finished()
        for step, extra_args in ((3, ()), (1, ("--step", "1"))):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                restored = mngr.restore(step, args=ocp.args.Composite(
                    state=ocp.args.StandardRestore(), extra=ocp.args.PyTreeRestore(),
                    config=ocp.args.JsonRestore()))
            expected = expected_leaves({name: restored[name] for name in names})
            print(f"step {step}: {len(expected)} leaves")
            doc = ckpt_tree(args.ckpt, root, failures, *extra_args)
            if doc is not None:
                failures.check(doc.get("source", {}).get("step") == step,
                               f"source.step is {doc.get('source', {}).get('step')!r}, want {step}")
                compare_leaves(expected, doc, failures, check_order=False)


def main():
    args = parse_args(["variant"])
    logging.getLogger("absl").setLevel(logging.ERROR)
    failures = Failures()
    with tempfile.TemporaryDirectory() as tmp:
        if args.variant == "default":
            check_single(args, failures, tmp)
        elif args.variant == "zarr3":
            check_single(args, failures, tmp, use_zarr3=True)
        elif args.variant == "no_ocdbt":
            check_single(args, failures, tmp, use_ocdbt=False)
        elif args.variant == "manager":
            check_manager(args, failures, tmp)
        else:
            raise SystemExit(f"unknown variant {args.variant}")
    failures.finish(f"orbax read ({args.variant})")


if __name__ == "__main__":
    main()
