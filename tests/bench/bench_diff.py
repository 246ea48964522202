"""Benchmark: `ckpt diff` vs a NumPy script that restores both steps with Orbax and computes the
same statistics, on two Orbax checkpoints one small update apart.

usage (interop venv python; not a CTest entry):
    $(packaging/install-deps.sh --print-venv-python) tests/bench/bench_diff.py \
        --ckpt build-release/app/cli/ckpt [--size-mb 2048] [--leaves 64] [--repeat 1] [--unchanged 0]

A CheckpointManager (OCDBT + zarr v2, Orbax defaults) saves step 1 = ~size-mb MiB of float32 leaves
and step 2 = step 1 plus a small update of every element (b = a + 1e-4 * roll(a)); with --unchanged N
the first N leaves stay as they are, so their stored chunks are byte-identical and ckpt decodes them
once (reported as chunks_short_cut). Measured, each
in a fresh process with the files in the page cache:
  ckpt      `ckpt diff ROOT ROOT --step-a 1 --step-b 2 --json` (streaming, bounded memory)
  numpy     restore both steps with Orbax, then per leaf in float64: max |a-b| and its index,
            L2 norms of a, b and a-b, count of differing elements (what `ckpt diff` reports)
Wall time includes process start (Python: interpreter and imports, also shown on their own);
peak RSS comes from GNU time (%M). The two outputs are checked to agree before printing.
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

GNU_TIME = shutil.which("time") or "/usr/bin/time"

PY_DIFF = r"""
import json, sys, time, warnings, logging
t_import = time.perf_counter()
import numpy as np
import orbax.checkpoint as ocp
logging.getLogger("absl").setLevel(logging.ERROR)
warnings.simplefilter("ignore")
t0 = time.perf_counter()
with ocp.CheckpointManager(sys.argv[1]) as mngr:
    a = mngr.restore(1, args=ocp.args.StandardRestore())
    b = mngr.restore(2, args=ocp.args.StandardRestore())
def flat(t, p=""):
    if isinstance(t, dict):
        for k, v in t.items():
            yield from flat(v, f"{p}/{k}" if p else k)
    else:
        yield p, np.asarray(t)
fb = dict(flat(b))
out = {}
for path, x in flat(a):
    y = fb[path]
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    d = x64 - y64
    ad = np.abs(d)
    i = int(np.argmax(ad))
    out[path] = {"max_abs_diff": float(ad.flat[i]), "max_abs_flat_index": i,
                 "differing": int(np.count_nonzero(x64 != y64)),
                 "norm_a": float(np.linalg.norm(x64.ravel())), "norm_b": float(np.linalg.norm(y64.ravel())),
                 "norm_diff": float(np.linalg.norm(d.ravel()))}
print(json.dumps({"seconds": time.perf_counter() - t0, "imports": t0 - t_import, "pairs": out}))
"""

PY_BASELINE = r"""
import json
import numpy as np
import orbax.checkpoint as ocp
print(json.dumps({"seconds": 0.0}))
"""


def run_with_rss(cmd, ok_codes=(0,)):
    """(wall seconds, peak RSS MiB, stdout, CPU seconds user+sys) of cmd in a fresh process (GNU time)."""
    t0 = time.perf_counter()
    proc = subprocess.run([GNU_TIME, "-f", "%M %U %S", "-o", RSS_PATH, *cmd], capture_output=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in ok_codes:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:].decode(errors='replace')}")
    with open(RSS_PATH) as f:
        rss_kib, user, system = f.read().split()[-3:]
    return wall, int(rss_kib) / 1024.0, proc.stdout, float(user) + float(system)


def write_run(root, size_mb, leaves, unchanged=0):
    """Two steps of ~size_mb MiB of float32 each, one small update apart (the first `unchanged`
    leaves are not updated)."""
    import orbax.checkpoint as ocp

    rng = np.random.default_rng(0)
    per_leaf = size_mb * 2**20 // 4 // leaves // 1024 * 1024
    state = {f"layer_{i:03d}": {"kernel": rng.standard_normal(per_leaf, dtype=np.float32).reshape(-1, 1024)}
             for i in range(leaves)}
    with ocp.CheckpointManager(root, options=ocp.CheckpointManagerOptions(create=True)) as mngr:
        mngr.save(1, args=ocp.args.StandardSave(state))
        mngr.wait_until_finished()
        for layer in list(state.values())[unchanged:]:
            k = layer["kernel"]
            k += np.float32(1e-4) * np.roll(k, 1)
        mngr.save(2, args=ocp.args.StandardSave(state))
        mngr.wait_until_finished()
    return leaves * per_leaf * 4


def warm(root):
    for dirpath, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as f:
                while f.read(1 << 24):
                    pass


def main():
    global RSS_PATH
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--size-mb", type=int, default=2048)
    p.add_argument("--leaves", type=int, default=64)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--unchanged", type=int, default=0, help="leaves left unchanged in step 2")
    p.add_argument("--dir", help="parent of the temporary directory (default: system temp)")
    p.add_argument("--data", help="keep the written run in this folder and reuse it when it exists "
                   "(for repeated measurements; must have been written with the same options)")
    args = p.parse_args()
    tmp = tempfile.TemporaryDirectory(dir=args.dir)
    RSS_PATH = os.path.join(tmp.name, "rss")
    root = args.data or os.path.join(tmp.name, "run")
    size = args.leaves * (args.size_mb * 2**20 // 4 // args.leaves // 1024 * 1024) * 4
    if args.data and os.path.isdir(os.path.join(root, "2")):
        print(f"reusing the run in {root}")
    else:
        t0 = time.perf_counter()
        size = write_run(root, args.size_mb, args.leaves, args.unchanged)
        print(f"orbax wrote 2 steps x {size / 2**20:.0f} MiB ({args.leaves} float32 leaves) "
              f"in {time.perf_counter() - t0:.1f} s")
    warm(root)

    py = sys.executable
    ck = [run_with_rss([args.ckpt, "diff", root, root, "--step-a", "1", "--step-b", "2", "--json"], (0, 1))
          for _ in range(args.repeat)]
    base = [run_with_rss([py, "-c", PY_BASELINE]) for _ in range(args.repeat)]
    npy = [run_with_rss([py, "-c", PY_DIFF, root]) for _ in range(args.repeat)]

    ours = {p["path"]: p for p in json.loads(ck[-1][2])["pairs"]}
    theirs = json.loads(npy[-1][2])["pairs"]
    for path, want in theirs.items():
        got = ours[path]
        assert got["max_abs_diff"] == want["max_abs_diff"], (path, got["max_abs_diff"], want["max_abs_diff"])
        assert got["max_abs_flat_index"] == want["max_abs_flat_index"], path
        assert got["differing"] == want["differing"], path
        for k in ("norm_a", "norm_b", "norm_diff"):
            assert abs(got[k] - want[k]) <= 1e-9 * want[k], (path, k, got[k], want[k])
    print(f"outputs agree on {len(theirs)} leaves (max abs diff, index, differing count; norms to 1e-9)")
    summary = json.loads(ck[-1][2])["summary"]
    print(f"ckpt decoded {summary['bytes_read'] / 2**20:.0f} MiB; "
          f"{summary.get('chunks_short_cut', 0)} chunks identical in storage were decoded once")

    ck_t = statistics.median(r[0] for r in ck)
    np_wall = statistics.median(r[0] for r in npy)
    np_work = statistics.median(json.loads(r[2])["seconds"] for r in npy)
    base_t = statistics.median(r[0] for r in base)
    print(f"\n2 x {size / 2**20:.0f} MiB, median of {args.repeat}, warm page cache, {os.cpu_count()} CPUs")
    ck_cpu = statistics.median(r[3] for r in ck)
    np_cpu = statistics.median(r[3] for r in npy)
    print(f"{'':<44} {'wall (s)':>9} {'CPU (s)':>8} {'peak RSS (MiB)':>15} {'GB/s':>6}")
    print(f"{'ckpt diff':<44} {ck_t:>9.2f} {ck_cpu:>8.2f} {max(r[1] for r in ck):>15.0f} {2 * size / 1e9 / ck_t:>6.2f}")
    print(f"{'numpy + orbax restore (whole process)':<44} {np_wall:>9.2f} {np_cpu:>8.2f} "
          f"{max(r[1] for r in npy):>15.0f} {2 * size / 1e9 / np_wall:>6.2f}")
    print(f"{'numpy + orbax restore (after imports)':<44} {np_work:>9.2f} {'':>8} {'':>15} "
          f"{2 * size / 1e9 / np_work:>6.2f}")
    print(f"{'python start + import numpy, orbax':<44} {base_t:>9.2f} {'':>8} {max(r[1] for r in base):>15.0f}")
    print(f"\nspeed-up: {np_wall / ck_t:.1f}x wall (whole process), {np_work / ck_t:.1f}x after imports, "
          f"{np_cpu / ck_cpu:.1f}x CPU time; load average {os.getloadavg()[0]:.1f}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
