"""Two JAX processes (CPU, 4 fake devices each, joined by jax.distributed) save global arrays
sharded over a 4x2 mesh with ocp.StandardCheckpointer, so the item holds `ocdbt.process_0/`,
`ocdbt.process_1/`, the merged root database and real NamedSharding `_sharding` metadata.
`ckpt tree --json --digest` must report the global arrays exactly; with the root `manifest.ocdbt`
or the root `d/` deleted (each in a copy) it must still read everything from the per-process
databases and say so in "warnings".

usage: orbax_multiprocess.py --ckpt BIN
       orbax_multiprocess.py --worker ID --port PORT --dir ITEM_DIR   (internal: one process)
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

import ml_dtypes  # noqa: F401  (registers the bfloat16 dtype name with NumPy)
import numpy as np

WORKER_TIMEOUT_S = 240


def global_tree():
    """The global values every process agrees on (each process fills its own shards from them)."""
    rng = np.random.default_rng(77)
    return {
        "w_xy": rng.standard_normal((16, 6)).astype(np.float32),        # P('x', 'y'): 8 distinct shards
        "w_x": np.arange(8 * 5, dtype=np.int32).reshape(8, 5),          # P('x', None): replicated on y
        "w_y": rng.standard_normal((3, 10)).astype(np.float16),          # P(None, "y"); no x64 in jax
        "replicated": np.linspace(-1, 1, 7, dtype=np.float32),          # P(): on every device
        "nested": {"bf16": (np.arange(32).reshape(4, 8) / 3).astype("bfloat16"),  # P('x', 'y')
                   "odd": rng.integers(-100, 100, (12,)).astype(np.int16)},         # P('x')
    }


SPECS = {"w_xy": ("x", "y"), "w_x": ("x", None), "w_y": (None, "y"), "replicated": (),
         "nested": {"bf16": ("x", "y"), "odd": ("x",)}}


def worker(args):
    os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
    os.environ["JAX_PLATFORMS"] = "cpu"
    import jax
    import orbax.checkpoint as ocp
    from jax.sharding import Mesh, NamedSharding
    from jax.sharding import PartitionSpec as P

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=f"localhost:{args.port}", num_processes=2,
                               process_id=args.worker, initialization_timeout=120)
    assert jax.process_count() == 2 and len(jax.devices()) == 8, (jax.process_count(), jax.devices())
    mesh = Mesh(np.array(jax.devices()).reshape(4, 2), ("x", "y"))
    values = global_tree()

    def make(value, spec):
        sharding = NamedSharding(mesh, P(*spec))
        return jax.make_array_from_callback(value.shape, sharding, lambda index: value[index])

    tree = jax.tree.map(make, values, SPECS, is_leaf=lambda x: isinstance(x, tuple))
    with ocp.StandardCheckpointer() as ckptr:
        ckptr.save(args.dir, tree)
        ckptr.wait_until_finished()
    print(f"worker {args.worker}: saved, {len(jax.local_devices())} local devices", flush=True)
    jax.distributed.shutdown()


def orbax_numpy_restore(item):
    """Orbax's own restore of the item in this single process, every array as np.ndarray."""
    import jax
    import orbax.checkpoint as ocp

    with ocp.PyTreeCheckpointer() as ckptr:
        metadata = ckptr.metadata(item).item_metadata.tree
        restore_args = jax.tree.map(lambda _: ocp.RestoreArgs(restore_type=np.ndarray), metadata)
        return ckptr.restore(item, args=ocp.args.PyTreeRestore(restore_args=restore_args))


def free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def run_workers(item):
    port = free_port()
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", str(i), "--port", str(port), "--dir", item],
                              env=env, start_new_session=True) for i in range(2)]
    codes = []
    try:
        for p in procs:
            codes.append(p.wait(timeout=WORKER_TIMEOUT_S))
    except subprocess.TimeoutExpired:
        codes.append("timeout")
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    return codes


def main():
    if "--worker" in sys.argv:
        p = argparse.ArgumentParser()
        p.add_argument("--worker", type=int, required=True)
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--dir", required=True)
        worker(p.parse_args())
        return

    from interop_common import Failures, ckpt_tree, compare_leaves, expected_leaves, parse_args
    args = parse_args()
    failures = Failures()
    with tempfile.TemporaryDirectory() as tmp:
        item = os.path.join(tmp, "item")
        codes = run_workers(item)
        if codes != [0, 0]:
            failures.add(f"the two jax processes exited with {codes}")
            failures.finish("orbax two-process save")
        listing = sorted(os.listdir(item))
        print(f"item: {listing}")
        for name in ("manifest.ocdbt", "ocdbt.process_0", "ocdbt.process_1", "_sharding"):
            failures.check(name in listing, f"no {name} in {listing}")
        with open(os.path.join(item, "_sharding")) as f:
            shardings = [json.loads(v) for v in json.load(f).values()]
        failures.check(len(shardings) == 6 and all(s["sharding_type"] == "NamedSharding" for s in shardings),
                       f"_sharding: {shardings}")
        failures.check(any(s.get("shape") == [4, 2] for s in shardings), f"no 4x2 mesh in {shardings}")

        expected = expected_leaves(global_tree())
        by_path = sorted(expected, key=lambda leaf: leaf["path"])
        failures.check(by_path == sorted(expected_leaves(orbax_numpy_restore(item)), key=lambda leaf: leaf["path"]),
                       "Orbax (one process, restore_type=np.ndarray) restores other values than were saved")
        doc = ckpt_tree(args.ckpt, item, failures)
        if doc is not None:
            compare_leaves(expected, doc, failures, check_order=False)
            failures.check(not doc.get("warnings"), f"warnings on the intact item: {doc.get('warnings')}")

        for broken_name, remove in (("no_root_manifest", "manifest.ocdbt"), ("no_root_d", "d")):
            broken = os.path.join(tmp, broken_name)
            shutil.copytree(item, broken)
            victim = os.path.join(broken, remove)
            shutil.rmtree(victim) if os.path.isdir(victim) else os.remove(victim)
            doc = ckpt_tree(args.ckpt, broken, failures)
            if doc is not None:
                compare_leaves(expected, doc, failures, check_order=False)
                failures.check(bool(doc.get("warnings")), f"{broken_name}: no warning after reading around it")
                print(f"warnings without the root {remove}: {doc.get('warnings')}")
    failures.finish("orbax two-process save (ocdbt.process_0/1, NamedSharding 4x2)")


if __name__ == "__main__":
    main()
