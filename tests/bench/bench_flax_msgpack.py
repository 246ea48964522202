"""Benchmark: `ckpt` vs flax.serialization on a ~1 GB Flax msgpack file with ~1000 leaves.

usage (interop venv python; not a CTest entry):
    $(packaging/install-deps.sh --print-venv-python) tests/bench/bench_flax_msgpack.py \
        --ckpt build-ci/app/cli/ckpt [--size-mb 1024] [--leaves 1000] [--repeat 3]

Measures, each in a fresh process, with the file in the page cache (one untimed read first):
  open/structure  `ckpt info`, `ckpt tree --json` (metadata only)  vs  msgpack_restore(file bytes)
  every array     `ckpt tree --json --digest` (decode + sha256 of every array)
                  vs  msgpack_restore + sha256 of every array's canonical bytes
Times are wall-clock medians over --repeat runs; "peak RSS" is the process's ru_maxrss. For Python
the reported time excludes interpreter start-up and `import flax` (shown separately as the
baseline), and its RSS includes that baseline.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

GNU_TIME = shutil.which("time") or "/usr/bin/time"  # Debian package `time`

PY_OPEN = r"""
import json, sys, time
import flax.serialization
t0 = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    state = flax.serialization.msgpack_restore(f.read())
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0}))
"""

PY_DIGEST = r"""
import hashlib, json, sys, time
import numpy as np

import flax.serialization
def walk(t):
    if isinstance(t, dict):
        for v in t.values():
            yield from walk(v)
    else:
        yield t
t0 = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    state = flax.serialization.msgpack_restore(f.read())
n = 0
for leaf in walk(state):
    a = np.ascontiguousarray(np.asarray(leaf))
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    hashlib.sha256(a.tobytes()).hexdigest()
    n += 1
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "leaves": n}))
"""

PY_BASELINE = r"""
import json
import flax.serialization
print(json.dumps({"seconds": 0.0}))
"""


def run_with_rss(cmd):
    """Runs cmd in a fresh process; returns (wall seconds, peak RSS MiB, stdout bytes).

    The peak comes from GNU time: a child spawned straight from this (large) Python process would
    inherit its high-water mark at exec and report it as its own."""
    t0 = time.perf_counter()
    proc = subprocess.run([GNU_TIME, "-f", "%M", "-o", RSS_PATH, *cmd], capture_output=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): "
                         f"{proc.stderr[-2000:].decode(errors='replace')}")
    with open(RSS_PATH) as f:
        rss_kib = int(f.read().split()[-1])
    return wall, rss_kib / 1024.0, proc.stdout


def make_file(path, size_mb, leaves):
    """~size_mb MiB over `leaves` arrays of mixed dtypes and shapes, as Flax writes them."""
    import flax.serialization

    rng = np.random.default_rng(0)
    per_leaf = size_mb * 2**20 // leaves
    tree = {}
    for i in range(leaves):
        layer = tree.setdefault(f"layer_{i // 4:03d}", {})
        kind = i % 4
        if kind == 0:
            n = per_leaf // 4
            layer["kernel"] = rng.standard_normal(n, dtype=np.float32).reshape(-1, 64) if n % 64 == 0 \
                else rng.standard_normal(n, dtype=np.float32)
        elif kind == 1:
            layer["bias"] = rng.standard_normal(per_leaf // 2, dtype=np.float32).astype(np.float16)
        elif kind == 2:
            layer["mu"] = rng.integers(-2**31, 2**31, per_leaf // 4, dtype=np.int64).astype(np.int32)
        else:
            layer["nu"] = rng.standard_normal(per_leaf // 8)
    data = flax.serialization.msgpack_serialize(tree, in_place=True)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def median_runs(repeat, fn):
    runs = [fn() for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def main():
    global RSS_PATH
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--size-mb", type=int, default=1024)
    p.add_argument("--leaves", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--keep", help="write the file here instead of a temporary directory")
    args = p.parse_args()
    tmp = tempfile.TemporaryDirectory()
    RSS_PATH = os.path.join(tmp.name, "rss")
    path = args.keep or os.path.join(tmp.name, "bench.msgpack")
    t0 = time.perf_counter()
    size = make_file(path, args.size_mb, args.leaves)
    print(f"generated {path}: {size / 2**20:.0f} MiB, {args.leaves} leaves in {time.perf_counter() - t0:.1f} s")
    with open(path, "rb") as f:  # warm the page cache
        while f.read(1 << 24):
            pass

    py = sys.executable
    rows = []
    base_t, base_rss, _ = median_runs(args.repeat, lambda: run_with_rss([py, "-c", PY_BASELINE]))

    def ckpt_row(label, *cmd):
        t, rss, out = median_runs(args.repeat, lambda: run_with_rss([args.ckpt, *cmd]))
        rows.append((label, t, rss))
        return out

    def py_row(label, script):
        runs = [run_with_rss([py, "-c", script, path]) for _ in range(args.repeat)]
        t = statistics.median(json.loads(r[2])["seconds"] for r in runs)
        rows.append((label, t, max(r[1] for r in runs)))

    ckpt_row("ckpt info", "info", path)
    out = ckpt_row("ckpt tree --json (structure)", "tree", path, "--json")
    n_leaves = len(json.loads(out)["leaves"])
    py_row("flax msgpack_restore", PY_OPEN)
    ckpt_row("ckpt tree --json --digest (all arrays)", "tree", path, "--json", "--digest")
    py_row("flax msgpack_restore + sha256 (all arrays)", PY_DIGEST)

    print(f"\nfile: {size / 2**20:.0f} MiB, {n_leaves} leaves; median of {args.repeat}, warm page cache")
    print(f"python baseline (start + import flax): {base_t:.2f} s, {base_rss:.0f} MiB RSS "
          "(included in the Python rows' RSS, excluded from their time)\n")
    print(f"{'operation':<45} {'time (s)':>10} {'peak RSS (MiB)':>15} {'MB/s':>8}")
    for label, t, rss in rows:
        print(f"{label:<45} {t:>10.3f} {rss:>15.0f} {size / 1e6 / t:>8.0f}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
