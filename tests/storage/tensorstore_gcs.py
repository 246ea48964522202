"""Real TensorStore writes straight into a GCS server (fake-gcs-server on 127.0.0.1, through its
gcs kvstore driver with TENSORSTORE_GCS_HTTP_URL) and `ckpt` reads the result through gs://: an
OCDBT database of zarr v2 and zarr v3 arrays (zstd, gzip, several chunks, a missing chunk read as
the fill value), compared digest for digest with what NumPy holds. Runs under the interop venv
(run_interop.py), which has tensorstore.

usage: run_interop.py --python VENV_PY --ckpt CKPT tensorstore_gcs.py
"""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "interop"))
import numpy as np  # noqa: E402
import tensorstore as ts  # noqa: E402

import servers  # noqa: E402
from interop_common import Failures, canonical_bytes, ckpt_tree, parse_args, sha256  # noqa: E402

SKIP = 77
BUCKET = "ckpt-tensorstore"


def write(base, name, arr, driver, chunks, codec):
    if driver == "zarr":
        metadata = {"chunks": list(chunks), "compressor": codec}
    else:
        metadata = {"chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}},
                    "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, codec]}
    spec = {"driver": driver, "kvstore": {"driver": "ocdbt", "base": base}, "path": name, "metadata": metadata}
    store = ts.open(spec, create=True, dtype=arr.dtype, shape=arr.shape).result()
    return store


def main():
    args = parse_args()
    failures = Failures()
    try:
        gcs = servers.FakeGcsServer().start()
    except servers.Unavailable as e:
        print(f"SKIP: {e}")
        return SKIP
    try:
        gcs.create_bucket(BUCKET)
        os.environ["TENSORSTORE_GCS_HTTP_URL"] = gcs.url
        os.environ["GOOGLE_AUTH_TOKEN_FOR_TESTING"] = "loopback-test-token"  # the emulator takes any token
        base = f"gs://{BUCKET}/run/item/"
        rng = np.random.default_rng(7)
        arrays = {
            "params.dense.kernel": (rng.standard_normal((16, 12)).astype(np.float32), "zarr", (5, 4),
                                    {"id": "zstd", "level": 3}),
            "params.dense.bias": (rng.standard_normal(12).astype(np.float64), "zarr", (12,), {"id": "gzip", "level": 5}),
            "params.embed": (rng.integers(-50, 50, (9, 7)).astype(np.int32), "zarr3", (4, 4),
                             {"name": "zstd", "configuration": {"level": 1}}),
            "step": (np.array(1234, dtype=np.int64), "zarr", (), None),
        }
        expected = {}
        for name, (arr, driver, chunks, codec) in arrays.items():
            store = write(base, name, arr, driver, chunks, codec)
            if name == "params.dense.kernel":
                # Leave the last chunk row unwritten: a reader must fill it with the fill value.
                part = arr.copy()
                part[15:, :] = 0
                store[:15, :].write(arr[:15, :]).result()
                arr = part
            else:
                store.write(arr).result()
            expected[tuple(name.split("."))] = sha256(canonical_bytes(arr))
        names, _, _ = gcs.list_all(BUCKET, prefix="run/item/")
        failures.check(any(n.endswith("manifest.ocdbt") for n in names), f"TensorStore wrote no manifest: {names}")

        os.environ.update(gcs.client_env())
        doc = ckpt_tree(args.ckpt, f"gs://{BUCKET}/run/item", failures)
        if doc:
            got = {tuple(leaf["path"]): leaf.get("sha256") for leaf in doc["leaves"]}
            failures.check(got == expected, f"digests differ:\n  want {expected}\n  got  {got}")
            failures.check(doc["source"].get("format") == "orbax", f"format {doc['source']}")
    finally:
        gcs.stop()
    failures.finish("TensorStore OCDBT written to a GCS server, read through gs://")


if __name__ == "__main__":
    sys.exit(main())
