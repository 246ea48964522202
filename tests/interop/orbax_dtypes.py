"""Every dtype and leaf kind Orbax can write: arrays of every dtype TensorStore accepts (bfloat16,
float8 variants, int4, int2, float4_e2m1fn, ...) in several shapes, NumPy scalars of every dtype,
Python int/float/bool, strings (`_strings.json`), None, empty dict/list/tuple, nested tuples.
`ckpt tree --json --digest` must report exactly what Orbax's own restore returns.

usage: orbax_dtypes.py --ckpt BIN VARIANT
  ocdbt_zarr2 | ocdbt_zarr3 | plain_zarr2 | plain_zarr3   (plain = use_ocdbt=False)
"""
import os

os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"

import logging  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import orbax.checkpoint as ocp  # noqa: E402

import flax_trees  # noqa: E402
from interop_common import Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args  # noqa: E402
from orbax_read import ORBAX_DTYPES, restore_plain  # noqa: E402

VARIANTS = {
    "ocdbt_zarr2": {"use_ocdbt": True, "use_zarr3": False},
    "ocdbt_zarr3": {"use_ocdbt": True, "use_zarr3": True},
    "plain_zarr2": {"use_ocdbt": False, "use_zarr3": False},
    "plain_zarr3": {"use_ocdbt": False, "use_zarr3": True},
}
SHAPES = [(), (1,), (7,), (2, 3, 4), (1, 1, 1, 5), (33, 17)]  # Orbax refuses zero-size arrays


def dtype_tree():
    rng = np.random.default_rng(11)
    arrays = {name: {"x".join(map(str, s)) or "0d": np.asarray(flax_trees.random_array(rng, name, s)) for s in SHAPES}
              for name in ORBAX_DTYPES}
    # Orbax has no type handler for np.bool_ and ml_dtypes scalars (they are not np.number): such
    # leaves make the save fail, so only the scalars it accepts are written.
    numpy_scalars = {name: flax_trees.random_array(rng, name, ())[()] for name in ORBAX_DTYPES}
    numpy_scalars = {k: v for k, v in numpy_scalars.items() if ocp.type_handlers.has_type_handler(type(v))}
    assert len(numpy_scalars) >= 12, sorted(numpy_scalars)
    return {
        "arrays": arrays,
        "jax": {"bf16": jnp.arange(12, dtype=jnp.bfloat16).reshape(3, 4) / 7,
                "i8": jnp.arange(-5, 5, dtype=jnp.int8), "bool": jnp.array([True, False, True]),
                "f8": jnp.asarray(rng.standard_normal(9), jnp.float8_e4m3fn)},
        "special": np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-45, 3.4e38], np.float32),
        "numpy_scalars": numpy_scalars,
        "python": {"int": 42, "int_neg": -7, "int_big": 2**62 + 1, "float": 0.1, "float_neg_zero": -0.0,
                   "float_inf": float("inf"), "float_nan": float("nan"),
                   "float_neg_inf": float("-inf"), "true": True, "false": False},
        "strings": {"ascii": "hello", "unicode": "h\u00e9llo \u2713 \U0001F600", "empty": "",
                    "long": "y" * 5000, "quotes": "a \"b\" \\ c\n"},
        "none": None,
        "empty": {"dict": {}, "list": [], "tuple": ()},
        "nested": (1, (2.5, (np.int16(3), ("deep", None, {"k": np.ones(3, np.uint8)}))), [(), [{}]]),
        "mixed_list": [np.arange(4, dtype=np.uint16), "s", 3, None, {"a": (np.float64(1.5),)}],
    }


def spell_non_finite(leaves):
    """The tree JSON spells non-finite float scalars as Python does ("nan", "inf", "-inf")."""
    for leaf in leaves:
        value = leaf.get("value")
        if leaf["kind"] == "scalar" and isinstance(value, float) and not math.isfinite(value):
            leaf["value"] = repr(value)
    return leaves


def main():
    args = parse_args(["variant"])
    logging.getLogger("absl").setLevel(logging.ERROR)
    options = VARIANTS.get(args.variant)
    if options is None:
        raise SystemExit(f"unknown variant {args.variant}")
    failures = Failures()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "item")
        with ocp.Checkpointer(ocp.PyTreeCheckpointHandler(**options)) as ckptr:
            ckptr.save(path, args=ocp.args.PyTreeSave(dtype_tree()))
        failures.check(os.path.isfile(os.path.join(path, "_strings.json")), "no _strings.json written")
        failures.check(os.path.isfile(os.path.join(path, "manifest.ocdbt")) == options["use_ocdbt"],
                       f"manifest.ocdbt presence != use_ocdbt in {sorted(os.listdir(path))}")
        expected = spell_non_finite(expected_leaves(restore_plain(path, **options)))
        kinds = sorted({leaf["kind"] for leaf in expected})
        dtypes = sorted({leaf.get("dtype", "") for leaf in expected if leaf["kind"] == "array"})
        print(f"orbax restored {len(expected)} leaves, kinds {kinds}, {len(dtypes)} array dtypes: {dtypes}")
        doc = ckpt_tree(args.ckpt, path, failures)
        if doc is not None:
            compare_leaves(expected, doc, failures, check_order=False)
    failures.finish(f"orbax dtypes ({args.variant})")


if __name__ == "__main__":
    main()
