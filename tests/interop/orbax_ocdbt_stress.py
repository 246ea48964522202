"""OCDBT stress: Orbax writes an item whose OCDBT database has many data files, a B+tree of height
> 0 (interior nodes, common key prefixes), out-of-line and inline values, and arrays split into many
chunks; `ckpt tree --json --digest` must report exactly the leaves Orbax restores.

usage: orbax_ocdbt_stress.py --ckpt BIN VARIANT
  zarr3        use_zarr3=True, ocdbt_target_data_file_size=4096, chunk_byte_size=1024
  zarr2_split  zarr v2, and values / B+tree nodes under separate prefixes (value_data_prefix
               "ocdbt_data/", btree_node_data_prefix "ocdbt_meta/", as Orbax's split mode writes)

Orbax pins the OCDBT config (max_inline_value_bytes 1024, max_decoded_node_bytes 100 MB); the test
wraps Orbax's `_add_ocdbt_write_options` to shrink both, so that TensorStore itself builds the deep
tree. The layout is verified with TensorStore (`ts.ocdbt.dump`, the ocdbt kvstore's key list), not
with our reader, before our reader is asked.
"""
import os

os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"

import logging  # noqa: E402
import tempfile  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import orbax.checkpoint as ocp  # noqa: E402
import tensorstore as ts  # noqa: E402
from jax.sharding import Mesh, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402
from orbax.checkpoint._src.serialization import tensorstore_utils as ts_utils  # noqa: E402

import flax_trees  # noqa: E402
from interop_common import Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args  # noqa: E402
from orbax_read import restore_plain  # noqa: E402

MAX_INLINE = 128
MAX_NODE = 1024
TARGET_DATA_FILE = 4096
CHUNK_BYTES = 1024


def shrink_ocdbt_config(split):
    original = ts_utils._add_ocdbt_write_options

    def patched(spec, target_data_file_size=None):
        original(spec, target_data_file_size)
        spec["config"]["max_inline_value_bytes"] = MAX_INLINE
        spec["config"]["max_decoded_node_bytes"] = MAX_NODE
        if split:
            spec["value_data_prefix"] = "ocdbt_data/"
            spec["btree_node_data_prefix"] = "ocdbt_meta/"
            spec["version_tree_node_data_prefix"] = "ocdbt_meta/"

    ts_utils._add_ocdbt_write_options = patched


def stress_tree():
    rng = np.random.default_rng(5)
    mesh = Mesh(np.array(jax.devices()[:4]).reshape(2, 2), ("x", "y"))
    return {
        "big_f32": rng.standard_normal((96, 80)).astype(np.float32),      # 30 KB -> ~30 chunks
        "big_bf16": jnp.asarray(rng.standard_normal((64, 130)), jnp.bfloat16),
        "sharded": jax.device_put(jnp.asarray(rng.standard_normal((64, 48)), jnp.float32),
                                  NamedSharding(mesh, P("x", "y"))),
        "int4": flax_trees.random_array(rng, "int4", (40, 70)),
        "compressible": np.zeros((50, 50), np.float64),                   # chunks compress below MAX_INLINE
        "layers": {f"layer_{i:03d}": {"w": rng.standard_normal((i % 5 + 1, 3)).astype(np.float32),
                                      "b": np.full((3,), i, np.int16)} for i in range(90)},
        "name": "stress \u2713", "count": 7, "none": None,
    }


def walk_btree(base, location, stats):
    node = ts.ocdbt.dump(base, location).result()
    stats["nodes"] += 1
    stats["max_height"] = max(stats["max_height"], node["height"])
    for entry in node["entries"]:
        if "location" in entry:  # interior node entry: "btreenode:<base>:<file>:<offset>:<length>"
            walk_btree(base, entry["location"], stats)
        elif "indirect_value" in entry:  # "value:<base path>:<relative path>:<offset>:<length>"
            parts = entry["indirect_value"].split(":")
            stats["indirect"] += 1
            stats["data_files"].add(parts[1] + parts[2])
        else:
            stats["inline"] += 1


def check_layout(path, failures):
    """Asserts with TensorStore that the merged database really is deep, split and out of line."""
    base = ts.KvStore.open(f"file://{path}/").result()
    manifest = ts.ocdbt.dump(base).result()
    version = manifest["versions"][-1]
    config = manifest["config"]
    failures.check(config.get("max_decoded_node_bytes") == MAX_NODE, f"config {config}")
    stats = {"nodes": 0, "max_height": 0, "indirect": 0, "inline": 0, "data_files": set()}
    walk_btree(base, version["root"]["location"], stats)
    print(f"root_height {version['root_height']}, {stats['nodes']} B+tree nodes, {stats['inline']} inline "
          f"values, {stats['indirect']} out-of-line values in {len(stats['data_files'])} data files")
    failures.check(version["root_height"] >= 1, f"root_height {version['root_height']}: no interior nodes")
    failures.check(stats["nodes"] > 5, f"only {stats['nodes']} B+tree nodes")
    failures.check(stats["inline"] > 0, "no inline values")
    failures.check(stats["indirect"] > 100, f"only {stats['indirect']} out-of-line values")
    failures.check(len(stats["data_files"]) > 3, f"out-of-line values live in {stats['data_files']}")
    keys = ts.KvStore.open({"driver": "ocdbt", "base": f"file://{path}/"}).result().list().result()
    chunks = [k for k in keys if k.startswith(b"big_f32/") and not k.endswith((b".zarray", b"zarr.json"))]
    print(f"{len(keys)} keys, big_f32 stored as {len(chunks)} chunk keys")
    failures.check(len(chunks) >= 8, f"big_f32 has only {len(chunks)} chunk keys")
    return stats


def main():
    args = parse_args(["variant"])
    logging.getLogger("absl").setLevel(logging.ERROR)
    if args.variant not in ("zarr3", "zarr2_split"):
        raise SystemExit(f"unknown variant {args.variant}")
    zarr3 = args.variant == "zarr3"
    split = args.variant == "zarr2_split"
    shrink_ocdbt_config(split)
    failures = Failures()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "item")
        tree = stress_tree()
        save_args = jax.tree.map(lambda _: ocp.SaveArgs(chunk_byte_size=CHUNK_BYTES), tree)
        with ocp.Checkpointer(ocp.PyTreeCheckpointHandler(use_zarr3=zarr3)) as ckptr:
            ckptr.save(path, args=ocp.args.PyTreeSave(tree, save_args=save_args,
                                                      ocdbt_target_data_file_size=TARGET_DATA_FILE))
        if split:
            failures.check(os.path.isdir(os.path.join(path, "ocdbt_meta")), f"no ocdbt_meta/ in {os.listdir(path)}")
        check_layout(path, failures)
        expected = expected_leaves(restore_plain(path, use_zarr3=zarr3))
        print(f"orbax restored {len(expected)} leaves")
        doc = ckpt_tree(args.ckpt, path, failures)
        if doc is not None:
            compare_leaves(expected, doc, failures, check_order=False)
    failures.finish(f"orbax OCDBT stress ({args.variant})")


if __name__ == "__main__":
    main()
