"""Benchmark: `ckpt convert SRC DST --to orbax` vs real Orbax saving the same tree.

usage (interop venv python; not a CTest entry):
    $(packaging/install-deps.sh --print-venv-python) tests/bench/bench_export.py \
        --ckpt build-ci/app/cli/ckpt [--size-mb 2048] [--arrays 10000]

The tree is --arrays float32 arrays (shapes varied, total --size-mb) of random values. It is written
once as a Flax msgpack file (the source `ckpt` reads, kept in the page cache by one untimed read).
Then, each in a fresh process under GNU time (wall clock and peak RSS):
  ckpt   `ckpt convert SRC DST --to orbax` (read msgpack, write OCDBT + zarr v2 zstd)
  orbax  python: load the same msgpack with flax.serialization.msgpack_restore, then
         ocp.PyTreeCheckpointer().save(DST, tree) (same defaults: OCDBT + zarr v2 zstd);
         its time is reported both for the save alone and for the whole process.
Both outputs are then restored by Orbax and compared (a sample of 50 arrays) to make sure the
figures compare equal work.
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

GNU_TIME = shutil.which("time") or "/usr/bin/time"

PY_SAVE = r"""
import json, sys, time, logging
logging.getLogger("absl").setLevel(logging.ERROR)
t0 = time.perf_counter()
import flax.serialization
import orbax.checkpoint as ocp
t1 = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    tree = flax.serialization.msgpack_restore(f.read())
t2 = time.perf_counter()
ocp.PyTreeCheckpointer().save(sys.argv[2], tree)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "save": t3 - t2}))
"""

PY_CHECK = r"""
import sys, json, numpy as np, orbax.checkpoint as ocp, logging
logging.getLogger("absl").setLevel(logging.ERROR)
a = ocp.PyTreeCheckpointer().restore(sys.argv[1])
b = ocp.PyTreeCheckpointer().restore(sys.argv[2])
keys = sorted(a)[:: max(1, len(a) // 50)]
ok = sorted(a) == sorted(b) and all(np.array_equal(np.asarray(a[k]["w"]), np.asarray(b[k]["w"])) for k in keys)
print(json.dumps({"equal": bool(ok), "arrays": len(a)}))
"""


def timed(cmd, env=None):
    """Runs cmd under GNU time; returns (wall seconds, peak RSS MiB, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.run([GNU_TIME, "-f", "%M", *cmd], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    rss_kb = int(proc.stderr.strip().splitlines()[-1])
    return wall, rss_kb / 1024, proc.stdout


def make_source(path, size_mb, arrays, seed=0):
    import flax.serialization
    rng = np.random.default_rng(seed)
    per = size_mb * 2**20 // arrays // 4  # float32 elements per array
    tree = {}
    for i in range(arrays):
        cols = [1, 7, 16, 64, 128][i % 5]
        rows = max(1, per // cols)
        tree[f"layer_{i:05d}"] = {"w": rng.standard_normal((rows, cols), dtype=np.float32)}
    with open(path, "wb") as f:
        f.write(flax.serialization.msgpack_serialize(tree))
    return tree


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--size-mb", type=int, default=2048)
    p.add_argument("--arrays", type=int, default=10000)
    p.add_argument("--workdir", default=None)
    args = p.parse_args()
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="2")
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        src = os.path.join(tmp, "src.msgpack")
        make_source(src, args.size_mb, args.arrays)
        size = os.path.getsize(src)
        with open(src, "rb") as f:  # page cache
            while f.read(64 << 20):
                pass
        ours = os.path.join(tmp, "ours")
        t_ckpt, rss_ckpt, _ = timed([args.ckpt, "convert", src, ours, "--to", "orbax"], env)
        theirs = os.path.join(tmp, "theirs")
        t_py, rss_py, out = timed([sys.executable, "-c", PY_SAVE, src, theirs], env)
        parts = json.loads(out.strip().splitlines()[-1])
        _, _, out = timed([sys.executable, "-c", PY_CHECK, ours, theirs], env)
        check = json.loads(out.strip().splitlines()[-1])

        def du(d):
            return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)

        print(f"tree: {args.arrays} arrays, source msgpack {size / 2**20:.0f} MiB, cores {os.cpu_count()}")
        print(f"{'':28s}{'wall s':>10s}{'peak RSS MiB':>15s}{'output MiB':>12s}")
        print(f"{'ckpt convert --to orbax':28s}{t_ckpt:10.2f}{rss_ckpt:15.0f}{du(ours) / 2**20:12.0f}")
        print(f"{'orbax save (save only)':28s}{parts['save']:10.2f}{'':>15s}")
        print(f"{'orbax process (all)':28s}{t_py:10.2f}{rss_py:15.0f}{du(theirs) / 2**20:12.0f}")
        print(f"  (python import {parts['import']:.2f} s, msgpack load {parts['load']:.2f} s)")
        print(f"restored by Orbax and equal (sampled): {check['equal']} ({check['arrays']} arrays)")
        if not check["equal"]:
            sys.exit(1)


if __name__ == "__main__":
    main()
