"""`ckpt convert SRC DST --to orbax` must write checkpoints that real Orbax restores value-exactly.

The oracle is Orbax itself: SRC is saved by Orbax (and a Flax msgpack file for dtypes and scalars),
and Orbax's restore of our output must equal Orbax's restore of SRC.

usage: export_orbax.py --ckpt BIN VARIANT
  default   OCDBT + zarr v2: PyTreeCheckpointer with and without a target, StandardCheckpointer
  zarr3     --zarr3
  no_ocdbt  --no-ocdbt (one zarr folder per array)
  split     a tiny --ocdbt-target-bytes: chunks split like Orbax's subchunking, data files roll over
  manager   --as-step into a CheckpointManager root Orbax made: latest_step() and restore() see it
"""
import json
import logging
import os
import sys
import tempfile
import warnings

import jax

# 64-bit arrays restore as 64-bit jax.Arrays only with x64 on (as for checkpoints Orbax writes).
jax.config.update("jax_enable_x64", True)

import ml_dtypes  # noqa: E402
import numpy as np
import flax.serialization
import orbax.checkpoint as ocp

import flax_trees
from interop_common import Failures, is_array, parse_args, run_ckpt, trees_equal

ORBAX_DTYPES = [n for n in flax_trees.ALL_DTYPES
                if n not in ("float8_e4m3", "float6_e2m3fn", "float6_e3m2fn", "uint4", "uint2")]


def orbax_source_tree(seed=7):
    rng = np.random.default_rng(seed)
    return {
        "params": {"dense": {"kernel": rng.normal(size=(17, 5)).astype(np.float32),
                             "bias": np.zeros((5,), np.float32)},
                   "embed": rng.normal(size=(64, 48)).astype(np.float32)},
        "dtypes": {n: flax_trees.random_array(rng, n, (3, 4)) for n in ORBAX_DTYPES},
        "scalars": {"int": 42, "neg": -7, "float": 0.125, "zero_d": np.array(3.5, np.float64)},
        "seq": [np.arange(6, dtype=np.int64).reshape(2, 3), {"inner": np.ones((2,), np.int8)}, 11],
        "text": "hello orbax",
        "nothing": None,
        "empty_d": {},
        "empty_l": [],
        "wide": rng.normal(size=(300, 257)).astype(np.float32),
    }


def msgpack_source_tree(seed=8):
    rng = np.random.default_rng(seed)
    return {
        "bf16": rng.normal(size=(33, 7)).astype(ml_dtypes.bfloat16),
        "f8": rng.normal(size=(16,)).astype(ml_dtypes.float8_e4m3fn),
        "i4": np.arange(-8, 8).astype(ml_dtypes.int4),
        "c64": (rng.normal(size=(4,)) + 1j * rng.normal(size=(4,))).astype(np.complex64),
        "b": np.array([True, False, True]),
        "step": 1000,
        "lr": 3e-4,
        "flag": True,
        "name": "run-7",
        "np_scalar": np.float32(2.5),
    }


def same_tree(a, b, failures, path=""):
    """Structure, types and values equal; arrays by dtype, shape and bytes (NaN-safe)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a.keys()) != list(b.keys()) and sorted(map(str, a)) != sorted(map(str, b)):
            failures.add(f"{path or '/'}: keys {list(a)} != {list(b)}")
            return False
        return all([same_tree(a[k], b[k], failures, f"{path}/{k}") for k in a])
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            failures.add(f"{path or '/'}: lengths {len(a)} != {len(b)}")
            return False
        return all([same_tree(x, y, failures, f"{path}/{i}") for i, (x, y) in enumerate(zip(a, b))])
    return trees_equal(a, b, path, failures)


def std_save(path, tree):
    """StandardCheckpointer saves asynchronously: wait for the commit."""
    with ocp.StandardCheckpointer() as c:
        c.save(path, tree)
        c.wait_until_finished()


def normalise(tree):
    """Arrays of any kind (jax, NumPy, NumPy scalars) -> np.ndarray, so a jax.Array restore of our
    output compares with a NumPy restore of the source by dtype, shape and bytes."""
    if isinstance(tree, dict):
        return {k: normalise(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [normalise(v) for v in tree]
    if is_array(tree):
        return np.asarray(tree)
    return tree


def convert(ckpt, src, dst, failures, *extra):
    rc, doc, out, err = run_ckpt(ckpt, "convert", src, dst, "--to", "orbax", *extra)
    ok = failures.check(rc == 0, f"ckpt convert {src} {dst} {' '.join(extra)} -> exit {rc}\n{out[:2000]}\n{err[:2000]}")
    return ok


def check_restore(failures, what, fn, expected):
    try:
        got = fn()
    except Exception as e:  # noqa: BLE001 - any exception is a failed interop check
        failures.add(f"{what} raised {type(e).__name__}: {str(e)[:2000]}")
        return None
    ok = same_tree(normalise(expected), normalise(got), failures)
    failures.check(ok, f"{what}: restored tree differs")
    print(f"{what}: {'ok' if ok else 'DIFFERS'}")
    return got


def item_checks(ckpt, tmp, failures, extra, variant):
    # 1. Orbax-saved source.
    src = os.path.join(tmp, "src_orbax")
    tree = orbax_source_tree()
    ocp.PyTreeCheckpointer().save(src, tree)
    expected = ocp.PyTreeCheckpointer().restore(src)
    dst = os.path.join(tmp, "ours_" + variant)
    if convert(ckpt, src, dst, failures, *extra):
        with open(os.path.join(dst, "_METADATA")) as f:
            meta = json.load(f)
        failures.check(meta.get("use_zarr3") == ("--zarr3" in extra), f"_METADATA use_zarr3 {meta.get('use_zarr3')}")
        failures.check(meta.get("use_ocdbt") == ("--no-ocdbt" not in extra), f"_METADATA use_ocdbt {meta.get('use_ocdbt')}")
        failures.check(os.path.isfile(os.path.join(dst, "manifest.ocdbt")) == ("--no-ocdbt" not in extra),
                       "manifest.ocdbt presence does not match the OCDBT option")
        check_restore(failures, f"{variant}: PyTreeCheckpointer.restore(ours)",
                      lambda: ocp.PyTreeCheckpointer().restore(dst), expected)
        check_restore(failures, f"{variant}: PyTreeCheckpointer.restore(ours, item=target)",
                      lambda: ocp.PyTreeCheckpointer().restore(dst, item=expected), expected)
    # 2. StandardCheckpointer on an array/scalar tree, with and without a target.
    std_src = os.path.join(tmp, "src_std")
    std_tree = {"w": tree["params"], "dt": tree["dtypes"], "count": np.int32(3)}
    std_save(std_src, std_tree)
    std_expected = ocp.StandardCheckpointer().restore(std_src)
    std_dst = os.path.join(tmp, "ours_std_" + variant)
    if convert(ckpt, std_src, std_dst, failures, *extra):
        check_restore(failures, f"{variant}: StandardCheckpointer.restore(ours)",
                      lambda: ocp.StandardCheckpointer().restore(std_dst), std_expected)
        abstract = jax.tree_util.tree_map(ocp.utils.to_shape_dtype_struct, std_expected)
        check_restore(failures, f"{variant}: StandardCheckpointer.restore(ours, abstract target)",
                      lambda: ocp.StandardCheckpointer().restore(std_dst, abstract), std_expected)
    # 3. A Flax msgpack source: ml_dtypes, complex, bool, Python scalars, strings.
    mp = os.path.join(tmp, "src.msgpack")
    mtree = msgpack_source_tree()
    with open(mp, "wb") as f:
        f.write(flax.serialization.msgpack_serialize(mtree))
    mdst = os.path.join(tmp, "ours_mp_" + variant)
    if convert(ckpt, mp, mdst, failures, *extra):
        check_restore(failures, f"{variant}: PyTreeCheckpointer.restore(ours from msgpack)",
                      lambda: ocp.PyTreeCheckpointer().restore(mdst), mtree)


def manager_checks(ckpt, tmp, failures):
    root = os.path.join(tmp, "run")
    mgr = ocp.CheckpointManager(root)
    base = {"w": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.ones((4,), np.float32)}
    mgr.save(1, args=ocp.args.StandardSave(base))
    mgr.wait_until_finished()
    mgr.close()
    src = os.path.join(tmp, "src_step")
    new = {"w": base["w"] * 2, "b": base["b"] + 1}
    std_save(src, new)
    if not convert(ckpt, src, root, failures, "--as-step", "5"):
        return
    failures.check(os.path.isdir(os.path.join(root, "5", "default")), "step 5 has no default/ item")
    mgr = ocp.CheckpointManager(root)
    failures.check(mgr.latest_step() == 5, f"latest_step() is {mgr.latest_step()}, want 5")
    failures.check(list(mgr.all_steps()) == [1, 5], f"all_steps() is {list(mgr.all_steps())}")
    check_restore(failures, "manager: restore(5) without args", lambda: mgr.restore(5), new)
    mgr.close()
    abstract = jax.tree_util.tree_map(ocp.utils.to_shape_dtype_struct, new)
    with ocp.CheckpointManager(root) as m2:
        check_restore(failures, "manager: restore(5, StandardRestore)",
                      lambda: m2.restore(5, args=ocp.args.StandardRestore(abstract)), new)
        check_restore(failures, "manager: restore(1) still intact",
                      lambda: m2.restore(1, args=ocp.args.StandardRestore(
                          jax.tree_util.tree_map(ocp.utils.to_shape_dtype_struct, base))), base)
    with ocp.CheckpointManager(root) as m3:
        check_restore(failures, "manager: restore(latest, PyTreeRestore)",
                      lambda: m3.restore(m3.latest_step(), args=ocp.args.PyTreeRestore(new)), new)
    # The same step again is refused without --force and replaced with it.
    rc, _, _, _ = run_ckpt(ckpt, "convert", src, root, "--to", "orbax", "--as-step", "5")
    failures.check(rc == 2, f"--as-step onto an existing step: exit {rc}, want 2")
    rc, _, out, err = run_ckpt(ckpt, "convert", src, root, "--to", "orbax", "--as-step", "5", "--force")
    failures.check(rc == 0, f"--as-step --force: exit {rc}: {err[:500]}")
    leftovers = [n for n in os.listdir(root) if "tmp" in n or n.startswith(".")]
    failures.check(not leftovers, f"temporary folders left in the run: {leftovers}")


def main():
    args = parse_args(["variant"])
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    failures = Failures()
    extra = {"default": [], "zarr3": ["--zarr3"], "no_ocdbt": ["--no-ocdbt"],
             "split": ["--ocdbt-target-bytes", "4096"], "manager": []}
    if args.variant not in extra:
        print(__doc__)
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        if args.variant == "manager":
            manager_checks(args.ckpt, tmp, failures)
        else:
            item_checks(args.ckpt, tmp, failures, extra[args.variant], args.variant)
            if args.variant == "split":
                dst = os.path.join(tmp, "ours_split")
                data = [n for n in os.listdir(os.path.join(dst, "d"))]
                failures.check(len(data) >= 3, f"want several data files with a 4 KiB target, got {data}")
                ts_meta = json.loads(open(os.path.join(dst, "array_metadatas", "process_0")).read())
                chunks = {m["array_metadata"]["param_name"]: m["array_metadata"]["chunk_shape"]
                          for m in ts_meta["array_metadatas"]}
                # The chunk shape must be what Orbax's own subchunking picks for that byte limit.
                from orbax.checkpoint._src.arrays import subchunking
                for name, shape in (("wide", (300, 257)), ("params.embed", (64, 48))):
                    want = list(subchunking.choose_chunk_shape(shape, shape, np.dtype(np.float32), 4096))
                    failures.check(chunks.get(name) == want, f"chunk shape of {name}: {chunks.get(name)}, Orbax: {want}")
    failures.finish(f"export_orbax {args.variant}")


if __name__ == "__main__":
    main()
