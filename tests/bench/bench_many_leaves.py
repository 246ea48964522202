"""Benchmark: metadata-bound work on checkpoints with very many small leaves, ckpt against Orbax.

usage (interop venv python; not a CTest entry):
    $(packaging/install-deps.sh --print-venv-python) tests/bench/bench_many_leaves.py \
        --ckpt build-ci/app/cli/ckpt [--leaves 10000,100000] [--layouts ocdbt,zarr2,zarr3] [--workdir DIR]

For each leaf count and layout, real Orbax (PyTreeCheckpointer) writes a checkpoint of that many
float32 arrays of 4 elements in nested dicts (layer_<i>/w_<j>, 100 leaves per layer). Then, each in
a fresh process: `ckpt info`, `ckpt tree --json`, and Orbax `PyTreeCheckpointer().metadata()` (the
tree of a checkpoint without restoring it). Prints wall time, peak RSS and the cost per leaf. The
issue-15 targets for 100,000 leaves are ckpt info and tree --json under 0.5 s and 150 MB.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

WRITE = r"""
import sys, logging
logging.getLogger("absl").setLevel(logging.ERROR)
import numpy as np, orbax.checkpoint as ocp
path, leaves, layout = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tree = {}
for i in range(leaves):
    tree.setdefault(f"layer_{i // 100}", {})[f"w_{i % 100}"] = np.full((4,), i, np.float32)
handler = ocp.PyTreeCheckpointHandler(use_ocdbt=layout == "ocdbt", use_zarr3=layout == "zarr3")
with ocp.Checkpointer(handler) as c:
    c.save(path, args=ocp.args.PyTreeSave(tree))
"""

METADATA = r"""
import sys, logging
logging.getLogger("absl").setLevel(logging.ERROR)
import orbax.checkpoint as ocp
with ocp.PyTreeCheckpointer() as c:
    m = c.metadata(sys.argv[1])
"""


def measured(cmd, env=None):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[:3]} failed:\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--leaves", default="10000,100000")
    p.add_argument("--layouts", default="ocdbt,zarr2,zarr3")
    p.add_argument("--workdir", default=None)
    p.add_argument("--skip-orbax-metadata", action="store_true", help="only time ckpt")
    args = p.parse_args()
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="2")
    work = tempfile.mkdtemp(prefix="bench_leaves_", dir=args.workdir)
    rows = []
    try:
        for n in map(int, args.leaves.split(",")):
            for layout in args.layouts.split(","):
                path = os.path.join(work, f"{layout}_{n}")
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", WRITE, path, str(n), layout], env=env, check=True)
                print(f"{n} leaves, {layout}: written by Orbax in {time.perf_counter() - t0:.0f} s", flush=True)
                routes = [("ckpt info", [args.ckpt, "info", path]),
                          ("ckpt tree --json", [args.ckpt, "tree", path, "--json"])]
                if not args.skip_orbax_metadata:
                    routes.append(("orbax metadata()", [sys.executable, "-c", METADATA, path]))
                for name, cmd in routes:
                    measured(cmd, env)  # warm the page cache
                    wall, rss = measured(cmd, env)
                    row = {"leaves": n, "layout": layout, "route": name, "wall_s": round(wall, 3),
                           "peak_rss_mib": round(rss, 1), "us_per_leaf": round(wall / n * 1e6, 2),
                           "kib_per_leaf": round(rss * 1024 / n, 2)}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
                shutil.rmtree(path, ignore_errors=True)
        print(f"\n{'leaves':>8} {'layout':7} {'route':18} {'wall s':>8} {'RSS MiB':>8} {'us/leaf':>8} {'KiB/leaf':>9}")
        for r in rows:
            print(f"{r['leaves']:8} {r['layout']:7} {r['route']:18} {r['wall_s']:8.3f} {r['peak_rss_mib']:8.1f} "
                  f"{r['us_per_leaf']:8.2f} {r['kib_per_leaf']:9.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
