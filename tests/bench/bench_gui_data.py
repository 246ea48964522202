"""Writes the inputs of the GUI benchmark (bench_gui.cpp) with the real libraries.

usage (interop venv python):
    $(packaging/install-deps.sh --print-venv-python) tests/bench/bench_gui_data.py OUT_DIR \
        [--arrays 10000] [--flax-mb 1024]

OUT_DIR/orbax_10k/   Orbax StandardCheckpointer item: `--arrays` small float32 arrays in
                     layer_NNN/w_NN (100 per layer) plus big/kernel, a 1000 x 1000 float32 array.
OUT_DIR/flax_1g.msgpack
                     flax.serialization.to_bytes of ~`--flax-mb` MiB: 1024 x 1024 float32 arrays
                     (4 MiB each) plus the same big/kernel.
Existing outputs are kept (delete them to regenerate).
"""
import argparse
import os
import sys

import numpy as np


def big_kernel():
    # A smooth pattern with structure at every scale, so that a downsampled heatmap shows something.
    y, x = np.mgrid[0:1000, 0:1000].astype(np.float32) / 1000.0
    return (np.sin(12 * x) * np.cos(7 * y) + 0.1 * np.sin(200 * x * y)).astype(np.float32)


def write_orbax(path, arrays):
    import orbax.checkpoint as ocp
    rng = np.random.default_rng(0)
    tree = {}
    for i in range(arrays):
        layer = tree.setdefault(f"layer_{i // 100:03d}", {})
        layer[f"w_{i % 100:02d}"] = rng.standard_normal((4, 8)).astype(np.float32)
    tree["big"] = {"kernel": big_kernel()}
    ckptr = ocp.StandardCheckpointer()
    ckptr.save(os.path.abspath(path), tree)
    ckptr.wait_until_finished()


def write_flax(path, megabytes):
    import flax.serialization
    rng = np.random.default_rng(1)
    tree = {"big": {"kernel": big_kernel()}}
    for i in range(max(1, megabytes // 4)):
        tree.setdefault(f"block_{i // 16:03d}", {})[f"w_{i % 16:02d}"] = rng.standard_normal(
            (1024, 1024), dtype=np.float32)
    with open(path + ".tmp", "wb") as f:
        f.write(flax.serialization.to_bytes(tree))
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--arrays", type=int, default=10000)
    ap.add_argument("--flax-mb", type=int, default=1024)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    orbax_dir = os.path.join(a.out, "orbax_10k")
    if not os.path.exists(orbax_dir):
        write_orbax(orbax_dir, a.arrays)
    flax_file = os.path.join(a.out, "flax_1g.msgpack")
    if not os.path.exists(flax_file):
        write_flax(flax_file, a.flax_mb)
    print(orbax_dir)
    print(flax_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
