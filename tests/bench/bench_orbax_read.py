"""Orbax read benchmark (issue 3): a ~2 GB OCDBT checkpoint with 10,000 arrays written by real
Orbax, read by `ckpt` and by orbax/tensorstore in the same run.

usage (interop venv python):
    $(packaging/install-deps.sh --print-venv-python) tests/bench/bench_orbax_read.py \
        --ckpt build/app/cli/ckpt [--dir /tmp/ckpt-bench-orbax] [--arrays 10000] [--elements 50000]

Measures, each in its own process under /usr/bin/time (wall seconds, peak RSS):
  open      `ckpt info` (structure and metadata)   vs  PyTreeCheckpointer.metadata()
  full read `ckpt tree --json --digest` (every array decoded and hashed)
                                                    vs  PyTreeCheckpointer.restore() to NumPy
  hyperslab `ckpt show KEY --slice 10:20,0:10`     vs  tensorstore open of that array + read
Figures only, no asserts: this is not a test. The checkpoint is kept for reruns.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import textwrap


def write_checkpoint(path, arrays, elements):
    import numpy as np
    import orbax.checkpoint as ocp
    rng = np.random.default_rng(0)
    rows = elements // 100
    tree = {f"layer_{i // 100:03d}": {} for i in range(arrays)}
    for i in range(arrays):
        tree[f"layer_{i // 100:03d}"][f"w_{i % 100:02d}"] = rng.standard_normal((rows, 100), dtype=np.float32)
    ckptr = ocp.PyTreeCheckpointer()
    ckptr.save(os.path.abspath(path), tree)


def timed(cmd):
    """Runs cmd under GNU time; returns (seconds, peak MiB)."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name] + cmd, check=True,
                       stdout=subprocess.DEVNULL)
        secs, kb = out.read().split()[-2:]
    return float(secs), int(kb) / 1024


IMPORTS = "import orbax.checkpoint as ocp, numpy as np, jax, tensorstore as ts\n"


def python_step(body=""):
    return timed([sys.executable, "-c", IMPORTS + textwrap.dedent(body)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "ckpt-bench-orbax"))
    ap.add_argument("--arrays", type=int, default=10000)
    ap.add_argument("--elements", type=int, default=50000, help="float32 elements per array")
    args = ap.parse_args()
    item = os.path.join(args.dir, "item")
    if not os.path.exists(item):
        os.makedirs(args.dir, exist_ok=True)
        print(f"writing {args.arrays} arrays x {args.elements} float32 with Orbax to {item} ...", flush=True)
        write_checkpoint(item, args.arrays, args.elements)
    key = "layer_000/w_00"
    # Python start-up and imports are part of every Python figure; the import-only cost is shown too.
    rows = [
        ("python imports only", None, python_step()),
        ("open (structure + metadata)", timed([args.ckpt, "info", item]),
         python_step(f"ocp.PyTreeCheckpointer().metadata({item!r})")),
        ("full read (every array)", timed([args.ckpt, "tree", item, "--json", "--digest"]),
         python_step(f"""
            c = ocp.PyTreeCheckpointer()
            meta = c.metadata({item!r})
            tree = getattr(meta, 'item_metadata', meta)
            tree = getattr(tree, 'tree', tree)
            args = jax.tree_util.tree_map(lambda _: ocp.RestoreArgs(restore_type=np.ndarray), tree)
            c.restore({item!r}, restore_args=args)""")),
        ("one hyperslab (10 x 10)", timed([args.ckpt, "show", item, key, "--slice", "10:20,0:10"]),
         python_step(f"""
            spec = {{'driver': 'zarr', 'kvstore': {{'driver': 'ocdbt', 'base': 'file://{item}/'}},
                     'path': 'layer_000.w_00'}}
            ts.open(spec).result()[10:20, 0:10].read().result()""")),
    ]
    print(f"\n{'operation':32} {'ckpt s':>8} {'ckpt MiB':>9} {'python s':>9} {'python MiB':>11}")
    for name, ours, theirs in rows:
        o = f"{ours[0]:8.2f} {ours[1]:9.0f}" if ours else f"{'-':>8} {'-':>9}"
        print(f"{name:32} {o} {theirs[0]:9.2f} {theirs[1]:11.0f}")


if __name__ == "__main__":
    main()
