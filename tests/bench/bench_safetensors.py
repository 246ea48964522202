"""Benchmark: Orbax checkpoint -> sharded Hugging Face safetensors, `ckpt convert` against the usual
Python route, each in a fresh process: wall time, CPU time (user + system) and peak RSS.

usage (interop venv python; not a CTest entry):
    $(packaging/install-deps.sh --print-venv-python) tests/bench/bench_safetensors.py \
        --ckpt build-ci/app/cli/ckpt [--size-gb 4] [--shard-gb 1] [--leaves 64] [--workdir DIR]

The source is an Orbax PyTree checkpoint (PyTreeCheckpointer defaults: OCDBT + zarr v2, zstd) of
--leaves arrays totalling --size-gb GB, half bfloat16 and half float32, of random values (zstd
cannot shrink them, so the bytes read are the checkpoint's size). It is read once untimed so both
routes start from the page cache.
  ckpt    `ckpt convert SRC OUT --to safetensors --max-shard-size <shard>GB`
  python  Orbax restore to NumPy (PyTreeCheckpointer().restore), huggingface_hub's
          split_state_dict_into_shards_factory, safetensors.numpy.save_file per shard, index JSON
Both outputs must then hold the same shards (file names and weight_map) and the same bytes for a
sample of tensors, or the benchmark fails. Results print as one JSON line per route and a table.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

PY_ROUTE = r"""
import json, os, sys, time, logging
logging.getLogger("absl").setLevel(logging.ERROR)
import numpy as np
import orbax.checkpoint as ocp
import safetensors.numpy
from huggingface_hub import split_state_dict_into_shards_factory
src, out, shard = sys.argv[1], sys.argv[2], int(sys.argv[3])
with ocp.PyTreeCheckpointer() as c:
    tree = c.restore(src)
flat = {}
def walk(t, prefix):
    for k, v in t.items():
        if isinstance(v, dict):
            walk(v, prefix + [k])
        else:
            flat[".".join(prefix + [k])] = np.asarray(v)
walk(tree, [])
split = split_state_dict_into_shards_factory(flat, get_storage_size=lambda t: t.nbytes,
    filename_pattern="model{suffix}.safetensors", max_shard_size=shard)
os.makedirs(out)
for filename, names in split.filename_to_tensors.items():
    safetensors.numpy.save_file({n: flat[n] for n in names}, os.path.join(out, filename), metadata={"format": "pt"})
if split.is_sharded:
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": split.metadata, "weight_map": split.tensor_to_filename}, f, indent=2)
"""


def measured(cmd, env=None):
    """Runs cmd; returns wall seconds, CPU seconds and peak RSS MiB of that process (wait4)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[0]} failed:\n{out[-2000:]}\n{err[-2000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}


# Written by a child process: the benchmark's own process stays small, because a child's peak RSS
# (wait4) counts the pages it inherited from its parent at fork, before exec.
MAKE_SOURCE = r"""
import sys, logging
logging.getLogger("absl").setLevel(logging.ERROR)
import numpy as np, jax.numpy as jnp, orbax.checkpoint as ocp
path, size_gb, leaves = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
per = int(size_gb * 1e9) // leaves
tree = {"params": {}}
for i in range(leaves):
    bf16 = i % 2 == 0
    rows = max(1, per // (4096 * (2 if bf16 else 4)))
    a = rng.standard_normal((rows, 4096), dtype=np.float32)
    if bf16:
        a = np.asarray(jnp.asarray(a, dtype=jnp.bfloat16))
    tree["params"][f"layer_{i:03d}"] = {"kernel": a}
with ocp.PyTreeCheckpointer() as c:
    c.save(path, tree)
print(sum(a["kernel"].nbytes for a in tree["params"].values()))
"""


def make_source(path, size_gb, leaves):
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="2")
    out = subprocess.run([sys.executable, "-c", MAKE_SOURCE, path, str(size_gb), str(leaves)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1])


def warm(path):
    for root, _, files in os.walk(path):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                while fh.read(1 << 24):
                    pass


def compare(a, b):
    from safetensors import safe_open
    ia = json.load(open(os.path.join(a, "model.safetensors.index.json")))
    ib = json.load(open(os.path.join(b, "model.safetensors.index.json")))
    if ia["weight_map"] != ib["weight_map"]:
        sys.exit("the two routes sharded differently")
    names = sorted(ia["weight_map"])[::7]
    for n in names:
        with safe_open(os.path.join(a, ia["weight_map"][n]), "np") as fa, \
                safe_open(os.path.join(b, ib["weight_map"][n]), "np") as fb:
            if fa.get_slice(n).get_dtype() != fb.get_slice(n).get_dtype():
                sys.exit(f"{n}: dtypes differ")
    # bf16 does not load into NumPy through safe_open; compare raw bytes of the sampled tensors.
    from safetensors import deserialize
    for filename in sorted(set(ia["weight_map"].values()))[:2]:
        ra = dict(deserialize(open(os.path.join(a, filename), "rb").read()))
        rb = dict(deserialize(open(os.path.join(b, filename), "rb").read()))
        if {k: bytes(v["data"]) for k, v in ra.items()} != {k: bytes(v["data"]) for k, v in rb.items()}:
            sys.exit(f"{filename}: tensor bytes differ")
    return len(ia["weight_map"]), len(set(ia["weight_map"].values()))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--size-gb", type=float, default=4)
    p.add_argument("--shard-gb", type=float, default=1)
    p.add_argument("--leaves", type=int, default=64)
    p.add_argument("--workdir", default=None)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="bench_st_", dir=args.workdir)
    try:
        src = os.path.join(work, "orbax")
        t0 = time.perf_counter()
        total = make_source(src, args.size_gb, args.leaves)
        print(f"source: {total / 1e9:.2f} GB in {args.leaves} leaves, written by Orbax in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        shard = int(args.shard_gb * 1e9)
        warm(src)
        ck = measured([args.ckpt, "convert", src, os.path.join(work, "ckpt_out"), "--to", "safetensors",
                       "--max-shard-size", str(shard)])
        warm(src)
        env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="2")
        py = measured([sys.executable, "-c", PY_ROUTE, src, os.path.join(work, "py_out"), str(shard)], env)
        tensors, shards = compare(os.path.join(work, "ckpt_out"), os.path.join(work, "py_out"))
        for name, r in (("ckpt", ck), ("python", py)):
            print(json.dumps({"route": name, "bytes": total, "tensors": tensors, "shards": shards, **r}))
        print(f"\n{'route':8} {'wall s':>8} {'cpu s':>8} {'peak RSS MiB':>13}")
        for name, r in (("ckpt", ck), ("python", py)):
            print(f"{name:8} {r['wall_s']:8.2f} {r['cpu_s']:8.2f} {r['peak_rss_mib']:13.1f}")
        print(f"ckpt is {py['wall_s'] / ck['wall_s']:.1f}x faster (wall), "
              f"{py['peak_rss_mib'] / ck['peak_rss_mib']:.0f}x less memory")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
