"""`ckpt diff` against NumPy on a real small training run saved by Orbax's CheckpointManager, and a
Flax msgpack file against an Orbax checkpoint of the same state.

usage: diff_training_run.py --ckpt BIN

1. A Flax MLP trained with optax Adam on random data for 3 steps; CheckpointManager saves the state
   dict (params, Adam mu/nu/count, step) at steps 0..3. NumPy restores steps 1 and 2 with Orbax and
   computes per leaf, in float64: max |a-b| and where, L2 norms of a, b and a-b, and the number of
   elements not close (exact, then atol/rtol as numpy.isclose). `ckpt diff ROOT ROOT --step-a 1
   --step-b 2 --json` must report the same numbers; `ckpt diff ROOT --steps 0..3 --json` the same
   ||B-A||/||A|| per leaf and step.
2. flax.serialization.to_bytes(state) and an Orbax PyTreeCheckpointer save of the same state diff as
   identical (exit 0), and stop being identical when one array changes.
"""
import logging
import os
import tempfile
import warnings

import flax.linen as nn
import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp

from interop_common import Failures, parse_args, run_ckpt


class Mlp(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Dense(32)(x))
        x = nn.relu(nn.Dense(16)(x))
        return nn.Dense(4)(x)


EMPTY = "empty_dict"


def flatten(tree, prefix=""):
    out = {}
    if isinstance(tree, dict) and not tree:
        out[prefix] = EMPTY  # an empty container is a leaf of the tree (optax EmptyState)
    elif isinstance(tree, dict):
        for k, v in tree.items():
            out.update(flatten(v, f"{prefix}/{k}" if prefix else str(k)))
    else:
        out[prefix] = np.asarray(tree)
    return out


def close(x, y, expected, rel=1e-12):
    if expected is None or x is None:
        return x is None and expected is None
    return abs(x - expected) <= rel * max(abs(expected), 1e-300) + 1e-300


def train_states(steps):
    rng = np.random.default_rng(0)
    xs = jnp.asarray(rng.standard_normal((64, 8)), jnp.float32)
    ys = jnp.asarray(rng.standard_normal((64, 4)), jnp.float32)
    model = Mlp()
    params = model.init(jax.random.PRNGKey(0), xs)
    tx = optax.adam(1e-2)
    opt_state = tx.init(params)

    @jax.jit
    def step(params, opt_state):
        loss, grads = jax.value_and_grad(lambda p: jnp.mean((model.apply(p, xs) - ys) ** 2))(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    states = []
    for s in range(steps + 1):
        state = flax.serialization.to_state_dict({"params": params, "opt_state": opt_state,
                                                  "step": np.int32(s)})
        states.append(jax.tree_util.tree_map(np.asarray, state))
        params, opt_state = step(params, opt_state)
    return states


def numpy_numbers(a, b, atol=0.0, rtol=0.0):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    d = a64 - b64
    absd = np.abs(d)
    flat = int(np.argmax(absd)) if absd.size else 0
    return {
        "count": int(a.size),
        "differing": int(np.count_nonzero(~np.isclose(a64, b64, rtol=rtol, atol=atol, equal_nan=False))),
        "max_abs_diff": float(absd.max()) if absd.size else 0.0,
        "max_abs_index": [int(i) for i in np.unravel_index(flat, a.shape)] if a.shape else [],
        "norm_a": float(np.linalg.norm(a64.ravel())),
        "norm_b": float(np.linalg.norm(b64.ravel())),
        "norm_diff": float(np.linalg.norm(d.ravel())),
    }


def check_pair(ckpt, root, a, b, failures, *tolerance, sides=None):
    """ckpt diff of steps 1 and 2 of `root` (or of the two checkpoints `sides`) against numpy."""
    atol = float(tolerance[1]) if tolerance else 0.0
    rtol = float(tolerance[3]) if tolerance else 0.0
    targets = list(sides) if sides else [root, root, "--step-a", "1", "--step-b", "2"]
    rc, doc, out, err = run_ckpt(ckpt, "diff", *targets, "--json", *tolerance)
    if not failures.check(rc in (0, 1) and doc and "pairs" in doc, f"ckpt diff -> {rc}\n{out[:2000]}\n{err[:2000]}"):
        return
    pairs = {p["path"]: p for p in doc["pairs"]}
    failures.check(set(pairs) == set(a), f"paths {sorted(set(pairs) ^ set(a))} differ")
    any_diff = False
    for path in a:
        p = pairs.get(path)
        if p is None:
            continue
        if isinstance(a[path], str):
            failures.check(p["status"] == "same" and p["a"]["kind"] == EMPTY, f"{path}: {p}")
            continue
        want = numpy_numbers(a[path], b[path], atol, rtol)
        any_diff |= want["differing"] > 0
        failures.check(p["status"] == ("values_changed" if want["differing"] else "same"),
                       f"{path}: status {p['status']}, numpy differing {want['differing']}")
        failures.check(p["count"] == want["count"], f"{path}: count {p['count']} != {want['count']}")
        failures.check(p["differing"] == want["differing"],
                       f"{path}: differing {p['differing']} != numpy {want['differing']} (tol {tolerance})")
        failures.check(p["max_abs_diff"] == want["max_abs_diff"],
                       f"{path}: max_abs_diff {p['max_abs_diff']!r} != numpy {want['max_abs_diff']!r}")
        if want["max_abs_diff"] > 0:
            failures.check(p["max_abs_index"] == want["max_abs_index"],
                           f"{path}: max_abs_index {p['max_abs_index']} != numpy {want['max_abs_index']}")
        for key in ("norm_a", "norm_b", "norm_diff"):
            failures.check(close(p[key], None, want[key]), f"{path}: {key} {p[key]!r} != numpy {want[key]!r}")
    failures.check(rc == (1 if any_diff else 0), f"exit {rc} but numpy differences: {any_diff}")
    print(f"steps 1 vs 2 {tolerance or '(exact)'}: {len(a)} leaves agree with numpy")


def check_run_view(ckpt, root, states, failures):
    rc, doc, out, err = run_ckpt(ckpt, "diff", root, "--steps", "0..3", "--json")
    if not failures.check(rc == 1 and doc and "leaves" in doc, f"run view -> {rc}\n{out[:2000]}\n{err[:2000]}"):
        return
    failures.check(doc["steps"] == [0, 1, 2, 3], f"steps {doc['steps']}")
    flat = [flatten(s) for s in states]
    leaves = {leaf["path"]: leaf["cells"] for leaf in doc["leaves"]}
    failures.check(set(leaves) == set(flat[0]), "run view leaves differ from the state's")
    for path, cells in leaves.items():
        for t, cell in enumerate(cells):
            if isinstance(flat[t][path], str):
                failures.check(cell["state"] == "unchanged", f"{path}: {cell}")
                continue
            a = flat[t][path].astype(np.float64)
            b = flat[t + 1][path].astype(np.float64)
            nd, na = np.linalg.norm((b - a).ravel()), np.linalg.norm(a.ravel())
            changed = bool(np.any(a != b))
            failures.check(cell["state"] == ("changed" if changed else "unchanged"),
                           f"{path} {t}->{t + 1}: state {cell['state']}, numpy changed {changed}")
            want = 0.0 if nd == 0 else (None if na == 0 else nd / na)
            failures.check(close(cell["rel_update"], None, want, 1e-9),
                           f"{path} {t}->{t + 1}: rel_update {cell['rel_update']!r} != numpy {want!r}")
    print(f"run view: {len(leaves)} leaves x 3 transitions agree with numpy")


def check_flax_vs_orbax(ckpt, tmp, state, failures):
    msgpack_path = os.path.join(tmp, "state.msgpack")
    with open(msgpack_path, "wb") as f:
        f.write(flax.serialization.to_bytes(state))
    orbax_path = os.path.join(tmp, "state_orbax")
    with ocp.PyTreeCheckpointer() as ckptr:
        ckptr.save(orbax_path, state)
    rc, doc, out, err = run_ckpt(ckpt, "diff", msgpack_path, orbax_path, "--json")
    failures.check(rc == 0 and doc and doc["summary"]["identical"],
                   f"flax msgpack vs orbax of one state: exit {rc}\n{out[:3000]}\n{err[:2000]}")
    # Change one element of one array: exactly that pair and that element differ.
    changed = jax.tree_util.tree_map(np.array, state)
    changed["params"]["params"]["Dense_1"]["kernel"][3, 5] += 0.25
    with open(msgpack_path, "wb") as f:
        f.write(flax.serialization.to_bytes(changed))
    rc, doc, out, err = run_ckpt(ckpt, "diff", msgpack_path, orbax_path, "--json", "--only-differences")
    if failures.check(rc == 1 and doc, f"after a change: exit {rc}\n{out[:2000]}\n{err[:2000]}"):
        failures.check([p["path"] for p in doc["pairs"]] == ["params/params/Dense_1/kernel"],
                       f"differing pairs {[p['path'] for p in doc['pairs']]}")
        if doc["pairs"]:
            p = doc["pairs"][0]
            failures.check(p["differing"] == 1 and p["max_abs_index"] == [3, 5],
                           f"changed element reported as {p['differing']} at {p['max_abs_index']}")
    print("flax msgpack vs orbax: identical, then exactly one element differs")


def check_large_chunks(ckpt, tmp, failures):
    """Arrays whose single chunk is larger than ckpt's read pieces (streamed front to back)."""
    rng = np.random.default_rng(1)
    a = {"emb": rng.standard_normal((1536, 1024), dtype=np.float32),
         "vec": rng.standard_normal(3 << 20, dtype=np.float32)}
    b = {k: v + np.float32(1e-3) * np.roll(v, 1) for k, v in a.items()}
    b["vec"][5] = a["vec"][5]
    root = os.path.join(tmp, "large")
    with ocp.CheckpointManager(root, options=ocp.CheckpointManagerOptions(create=True)) as mngr:
        mngr.save(1, args=ocp.args.StandardSave(a))
        mngr.save(2, args=ocp.args.StandardSave(b))
        mngr.wait_until_finished()
    print("large chunks:", end=" ")
    check_pair(ckpt, root, a, b, failures)
    # The same as zarr v3 shards (one inner chunk each, bytes + zstd), OCDBT and plain files.
    for ocdbt in (True, False):
        sides = []
        for name, tree in (("a", a), ("b", b)):
            path = os.path.join(tmp, f"large_zarr3_{ocdbt}_{name}")
            with ocp.Checkpointer(ocp.PyTreeCheckpointHandler(use_ocdbt=ocdbt, use_zarr3=True)) as ckptr:
                ckptr.save(path, tree)
            sides.append(path)
        print(f"large zarr3 chunks (ocdbt={ocdbt}):", end=" ")
        check_pair(ckpt, None, a, b, failures, sides=sides)


def main():
    args = parse_args()
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    failures = Failures()
    states = train_states(3)
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "run")
        with ocp.CheckpointManager(root, options=ocp.CheckpointManagerOptions(max_to_keep=10, create=True)) as mngr:
            for s, state in enumerate(states):
                mngr.save(s, args=ocp.args.StandardSave(state))
            mngr.wait_until_finished()
            restored = {s: flatten(mngr.restore(s, args=ocp.args.StandardRestore())) for s in (1, 2)}
        check_pair(args.ckpt, root, restored[1], restored[2], failures)
        check_pair(args.ckpt, root, restored[1], restored[2], failures, "--atol", "1e-4", "--rtol", "1e-2")
        check_run_view(args.ckpt, root, states, failures)
        check_flax_vs_orbax(args.ckpt, tmp, states[2], failures)
        check_large_chunks(args.ckpt, tmp, failures)
    failures.finish("diff of a training run against numpy")


if __name__ == "__main__":
    main()
