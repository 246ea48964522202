"""`ckpt convert SRC OUT.h5 --to hdf5` must write a file h5py reads value-exactly: one dataset per
array leaf in groups mirroring the tree, the documented attributes (core/formats/hdf5/hdf5_layout.h),
ml_dtypes stored as raw bits (or float32 with --hdf5-widen), and `ckpt tree` must read it back to the
same digests as the source."""
import os
import tempfile

import flax.serialization
import h5py
import numpy as np

import flax_trees
from interop_common import Failures, ckpt_tree, parse_args, run_ckpt

def source_tree(seed=5):
    rng = np.random.default_rng(seed)
    return {
        "dtypes": {n: flax_trees.random_array(rng, n, (5, 3)) for n in flax_trees.ALL_DTYPES},
        "big": rng.normal(size=(256, 300)).astype(np.float32),
        "zero_d": np.float64(1.25),
        "nested": {"a/b": np.arange(4, dtype=np.int16), "%x": np.ones((2, 2), np.uint8), "": np.zeros(1)},
        "list": {"0": np.arange(3), "1": np.arange(2.0)},
        "step": 12,
        "lr": 0.001,
        "flag": False,
        "name": "héllo",
        "none": None,
        "empty": {},
    }


def check_h5(path, tree, widen, failures):
    with h5py.File(path, "r") as h:
        failures.check(h.attrs.get("ckpt_format") == "checkpoint-studio-hdf5", f"format attr {dict(h.attrs)}")
        for name, want in tree["dtypes"].items():
            d = h["dtypes"][name]
            failures.check(d.attrs["ckpt_dtype"] == name, f"{name}: ckpt_dtype {d.attrs['ckpt_dtype']}")
            got = d[()]
            if name in flax_trees.NUMPY_DTYPES:
                failures.check(got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)
                               and got.tobytes() == want.tobytes(), f"{name}: values differ ({got.dtype})")
            elif widen and "float" in name:
                failures.check(d.attrs.get("ckpt_stored_as") == "float32" and got.dtype == np.float32,
                               f"{name}: widened storage {got.dtype} {dict(d.attrs)}")
                failures.check(got.astype(want.dtype).tobytes() == want.tobytes()
                               or np.array_equal(got, want.astype(np.float32), equal_nan=True),
                               f"{name}: widened values differ")
            else:
                failures.check(got.itemsize == want.dtype.itemsize, f"{name}: raw storage itemsize {got.itemsize}")
                failures.check(got.view(want.dtype).tobytes() == want.tobytes(), f"{name}: raw bits differ")
        big = h["big"]
        failures.check(big.compression == "gzip" and big.shuffle and big.chunks is not None,
                       f"big: compression {big.compression} shuffle {big.shuffle} chunks {big.chunks}")
        failures.check(np.array_equal(big[()], tree["big"]), "big: values differ")
        failures.check(h["zero_d"].shape == () and h["zero_d"][()] == tree["zero_d"], "zero_d differs")
        failures.check(h["step"][()] == 12 and h["step"].attrs["ckpt_kind"] == "scalar", "step differs")
        failures.check(h["lr"][()] == 0.001 and h["flag"][()] == np.False_, "lr/flag differ")
        failures.check(h["name"].asstr()[()] == "héllo", f"name: {h['name'][()]!r}")
        failures.check(h["none"].attrs["ckpt_kind"] == "none" and len(h["none"]) == 0, "none group")
        failures.check(h["empty"].attrs["ckpt_kind"] == "dict" and len(h["empty"]) == 0, "empty group")
        nested = h["nested"]
        failures.check(list(nested.keys()) == ["a%2Fb", "%25x", "%00"] or
                       sorted(nested.keys()) == sorted(["a%2Fb", "%25x", "%00"]), f"escaped names {list(nested)}")
        failures.check(nested["a%2Fb"].attrs["ckpt_key"] == "a/b", "ckpt_key of a/b")
        failures.check(np.array_equal(nested["a%2Fb"][()], np.arange(4, dtype=np.int16)), "a/b values")


def main():
    args = parse_args()
    failures = Failures()
    tree = source_tree()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src.msgpack")
        with open(src, "wb") as f:
            f.write(flax.serialization.msgpack_serialize(tree))
        src_doc = ckpt_tree(args.ckpt, src, failures)
        for widen in (False, True):
            out = os.path.join(tmp, f"out{'_wide' if widen else ''}.h5")
            extra = ["--hdf5-widen"] if widen else []
            rc, _, o, e = run_ckpt(args.ckpt, "convert", src, out, "--to", "hdf5", *extra)
            if not failures.check(rc == 0, f"convert -> exit {rc}: {o[:1000]} {e[:1000]}"):
                continue
            check_h5(out, tree, widen, failures)
            doc = ckpt_tree(args.ckpt, out, failures)
            if doc and src_doc:
                failures.check(doc["leaves"] == src_doc["leaves"], f"ckpt tree of the HDF5 file differs (widen={widen})")
                failures.check(doc["source"]["format"] == "hdf5", f"format {doc['source']}")
    failures.finish("export_hdf5")


if __name__ == "__main__":
    main()
