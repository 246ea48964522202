"""safetensors and Hugging Face checkpoints against the real libraries (safetensors, huggingface_hub,
flax, orbax), both ways.

usage: safetensors_interop.py --ckpt BIN VARIANT [CORPUS]
  read     files written by safetensors.numpy / safetensors.flax / the Rust serializer (F4) read
           digest-exact, names split on "." (and kept flat with --flat-names), __metadata__ shown
  shards   a checkpoint sharded by huggingface_hub's splitter reads as one tree (index and folder);
           a sharded Flax msgpack checkpoint as transformers writes it reads as one tree
  write    `ckpt convert` of an Orbax checkpoint to one file and to shards: safetensors.flax and
           safe_open load identical values and dtypes; the index is the one huggingface_hub makes
  recipe   a Linen MLP converted to torch names (regex rename + transpose) verifies with
           `ckpt diff --recipe-a`, and the torch-side weights are the transposed kernels
  corpus   every corpus checkpoint converts and reads back with equal digests (CORPUS folder)
"""
import json
import os
import sys
import tempfile

import numpy as np

from interop_common import Failures, canonical_bytes, ckpt_tree, expected_leaves, parse_args, run_ckpt, sha256


def leaf_map(doc):
    return {tuple(l["path"]): l for l in doc["leaves"]}


def check_tensors(failures, doc, tensors, split=True, what=""):
    """Every tensor (name -> NumPy array) is a leaf at its split name with its dtype, shape, digest."""
    got = leaf_map(doc)
    failures.check(len(got) == len(tensors), f"{what}: {len(got)} leaves, want {len(tensors)}")
    for name, arr in tensors.items():
        key = tuple(name.split(".")) if split else (name,)
        leaf = got.get(key)
        if not failures.check(leaf is not None, f"{what}: no leaf {list(key)}"):
            continue
        a = np.asarray(arr)
        failures.check(leaf.get("dtype") == a.dtype.name, f"{what}: {name} dtype {leaf.get('dtype')} want {a.dtype.name}")
        failures.check(leaf.get("shape") == list(a.shape), f"{what}: {name} shape {leaf.get('shape')}")
        failures.check(leaf.get("sha256") == sha256(canonical_bytes(a)), f"{what}: {name} digest differs")


def numpy_tensors(rng):
    t = {}
    for dt in ["bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "float16",
               "float32", "float64", "complex64"]:
        if dt == "bool":
            a = rng.integers(0, 2, (3, 5)).astype(bool)
        elif dt.startswith(("int", "uint")):
            info = np.iinfo(dt)
            a = rng.integers(info.min, info.max, (3, 5), dtype=dt, endpoint=True)
        elif dt == "complex64":
            a = (rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))).astype(dt)
        else:
            a = rng.standard_normal((3, 5)).astype(dt)
        t[f"dtypes.{dt}"] = a
    t["model.layers.0.attn.weight"] = rng.standard_normal((4, 8)).astype(np.float32)
    t["model.layers.10.attn.weight"] = rng.standard_normal((4, 8)).astype(np.float32)
    t["model.layers.2.attn.weight"] = rng.standard_normal((4, 8)).astype(np.float32)
    t["scalar"] = np.array(3.5, dtype=np.float32)
    t["empty"] = np.zeros((0, 4), dtype=np.float32)
    return t


def variant_read(ckpt, failures, tmp):
    import jax.numpy as jnp
    import ml_dtypes
    import safetensors.flax
    import safetensors.numpy
    from safetensors import TensorSpec, serialize_file

    rng = np.random.default_rng(3)
    tensors = numpy_tensors(rng)
    path = os.path.join(tmp, "np.safetensors")
    safetensors.numpy.save_file(tensors, path, metadata={"format": "np", "note": "héllo"})
    doc = ckpt_tree(ckpt, path, failures)
    if doc:
        check_tensors(failures, doc, tensors, what="numpy")
        failures.check(doc["source"]["format"] == "safetensors", f"format {doc['source']}")
        layers = [l["path"][2] for l in doc["leaves"] if l["path"][:2] == ["model", "layers"]]
        failures.check(layers == ["0", "2", "10"], f"layers in natural order: {layers}")
    flat = ckpt_tree(ckpt, path, failures, "--flat-names")
    if flat:
        check_tensors(failures, flat, tensors, split=False, what="numpy --flat-names")
    rc, info, out, err = run_ckpt(ckpt, "info", path, "--json")
    failures.check(rc == 0 and info and info["metadata"]["safetensors_metadata"] == {"format": "np", "note": "héllo"},
                   f"info metadata: {out} {err}")
    rc, _, out, _ = run_ckpt(ckpt, "info", path)
    failures.check("metadata: note = héllo" in out, f"info text lacks the metadata: {out}")

    # bf16 and float8 through the jax path.
    jt = {"w.bf16": jnp.asarray(rng.standard_normal((6, 4)), dtype=jnp.bfloat16),
          "w.f8e4m3": jnp.asarray(rng.standard_normal((6, 4)), dtype=jnp.float8_e4m3fn),
          "w.f8e5m2": jnp.asarray(rng.standard_normal((6, 4)), dtype=jnp.float8_e5m2),
          "w.f32": jnp.asarray(rng.standard_normal((6, 4)), dtype=jnp.float32)}
    want = {k: np.asarray(v) for k, v in jt.items()}
    fpath = os.path.join(tmp, "flax.safetensors")
    safetensors.flax.save_file(jt, fpath)
    doc = ckpt_tree(ckpt, fpath, failures)
    if doc:
        check_tensors(failures, doc, want, what="flax")

    # F4 as the Rust serializer stores float4_e2m1fn_x2 (two per byte, element 0 in the low nibble).
    f4 = rng.standard_normal((3, 8)).astype(ml_dtypes.float4_e2m1fn)
    codes = f4.view(np.uint8) & 0xF
    packed = np.ascontiguousarray((codes[:, 0::2] | (codes[:, 1::2] << 4)).astype(np.uint8))
    f4path = os.path.join(tmp, "f4.safetensors")
    serialize_file({"f4": TensorSpec(dtype="float4_e2m1fn_x2", shape=[3, 4], data_ptr=packed.ctypes.data,
                                     data_len=packed.nbytes)}, f4path)
    doc = ckpt_tree(ckpt, f4path, failures)
    if doc:
        check_tensors(failures, doc, {"f4": f4}, what="F4")

    # Damage the real library also refuses is reported as corrupt with the file named.
    bad = os.path.join(tmp, "bad.safetensors")
    data = open(path, "rb").read()
    with open(bad, "wb") as f:
        f.write(data[:-3])
    rc, doc, out, err = run_ckpt(ckpt, "tree", bad, "--json")
    failures.check(rc != 0 and doc and doc["error"].startswith("corrupt:") and bad in json.dumps(doc),
                   f"truncated file: {out} {err}")
    try:
        safetensors.numpy.load_file(bad)
        failures.add("the real library loads the truncated file")
    except Exception:
        pass


def hub_split(tensors, max_bytes):
    from huggingface_hub import split_state_dict_into_shards_factory
    return split_state_dict_into_shards_factory(tensors, get_storage_size=lambda t: t.nbytes,
                                                filename_pattern="model{suffix}.safetensors", max_shard_size=max_bytes)


def variant_shards(ckpt, failures, tmp):
    import flax.serialization
    import safetensors.numpy
    from flax.traverse_util import flatten_dict, unflatten_dict

    rng = np.random.default_rng(5)
    tensors = {f"model.layers.{i}.mlp.weight": rng.standard_normal((64, 32)).astype(np.float32) for i in range(6)}
    tensors["model.embed.weight"] = rng.standard_normal((100, 32)).astype(np.float16)
    split = hub_split(tensors, 20000)
    failures.check(split.is_sharded, "the splitter did not shard")
    folder = os.path.join(tmp, "hub")
    os.makedirs(folder)
    for filename, names in split.filename_to_tensors.items():
        safetensors.numpy.save_file({n: tensors[n] for n in names}, os.path.join(folder, filename),
                                    metadata={"format": "pt"})
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": split.metadata, "weight_map": split.tensor_to_filename}, f, indent=2)
    for target in (os.path.join(folder, "model.safetensors.index.json"), folder):
        doc = ckpt_tree(ckpt, target, failures)
        if doc:
            check_tensors(failures, doc, tensors, what=f"hub shards {os.path.basename(target)}")
    rc, info, out, err = run_ckpt(ckpt, "info", folder, "--json")
    failures.check(rc == 0 and info["metadata"].get("shards") == len(split.filename_to_tensors)
                   and info["metadata"]["shard_index"]["total_size"] == split.metadata["total_size"],
                   f"sharded info: {out} {err}")
    # A missing shard is missing_data naming it.
    gone = sorted(split.filename_to_tensors)[-1]
    os.rename(os.path.join(folder, gone), os.path.join(folder, gone + ".away"))
    rc, doc, out, err = run_ckpt(ckpt, "tree", folder, "--json")
    failures.check(rc != 0 and doc and doc["error"].startswith("missing_data:") and gone in doc["error"] + json.dumps(doc),
                   f"missing shard: {out} {err}")

    # Sharded Flax msgpack the way transformers' flax_shard_checkpoint writes it: weights flattened
    # with "/", cut in order by size, each shard a state dict of its leaves, "/"-joined weight_map.
    params = {"params": {f"layer_{i}": {"kernel": rng.standard_normal((32, 32)).astype(np.float32),
                                        "bias": rng.standard_normal((32,)).astype(np.float32)} for i in range(5)}}
    flat = flatten_dict(params, sep="/")
    blocks, current, size = [], {}, 0
    for k, v in flat.items():
        if size + v.nbytes > 9000 and current:
            blocks.append(current)
            current, size = {}, 0
        current[k] = v
        size += v.nbytes
    blocks.append(current)
    hf = os.path.join(tmp, "hf_flax")
    os.makedirs(hf)
    weight_map = {}
    for i, block in enumerate(blocks):
        name = f"flax_model-{i + 1:05d}-of-{len(blocks):05d}.msgpack"
        with open(os.path.join(hf, name), "wb") as f:
            f.write(flax.serialization.to_bytes(unflatten_dict(block, sep="/")))
        weight_map.update({k: name for k in block})
    with open(os.path.join(hf, "flax_model.msgpack.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(v.nbytes for v in flat.values())}, "weight_map": weight_map}, f)
    failures.check(len(blocks) > 2, f"only {len(blocks)} Flax shards")
    doc = ckpt_tree(ckpt, hf, failures)
    if doc:
        want = expected_leaves(params)
        got = leaf_map(doc)
        failures.check(len(got) == len(want), f"flax shards: {len(got)} leaves, want {len(want)}")
        for w in want:
            g = got.get(tuple(w["path"]))
            failures.check(g is not None and g["sha256"] == w["sha256"] and g["dtype"] == w["dtype"],
                           f"flax shards: {w['path']} differs: {g}")
        failures.check(doc["source"]["format"] == "flax-msgpack", f"flax shards format {doc['source']}")


def orbax_tree(rng):
    import jax.numpy as jnp
    return {"params": {
        "embed": {"embedding": np.asarray(jnp.asarray(rng.standard_normal((50, 16)), dtype=jnp.bfloat16))},
        "layers_0": {"kernel": rng.standard_normal((16, 32)).astype(np.float32),
                     "bias": rng.standard_normal((32,)).astype(np.float32)},
        "layers_1": {"kernel": np.asarray(jnp.asarray(rng.standard_normal((32, 16)), dtype=jnp.bfloat16)),
                     "scale": rng.standard_normal((16,)).astype(np.float16)},
        "count": np.arange(7, dtype=np.int32)}}


def save_orbax(tree, path):
    import orbax.checkpoint as ocp
    with ocp.PyTreeCheckpointer() as c:
        c.save(path, tree)


def variant_write(ckpt, failures, tmp):
    import safetensors.flax
    from safetensors import safe_open

    rng = np.random.default_rng(11)
    tree = orbax_tree(rng)
    src = os.path.join(tmp, "orbax_src")
    save_orbax(tree, src)
    flat = {".".join(l["path"]): l for l in expected_leaves(tree)}
    want = {}

    def collect(t, prefix):
        for k, v in t.items():
            if isinstance(v, dict):
                collect(v, prefix + [k])
            else:
                want[".".join(prefix + [k])] = v
    collect(tree, [])

    def check_loaded(loaded, what):
        failures.check(sorted(loaded) == sorted(want), f"{what}: names {sorted(loaded)}")
        for name, arr in want.items():
            got = np.asarray(loaded.get(name))
            failures.check(got.dtype == arr.dtype and got.shape == arr.shape and got.tobytes() == arr.tobytes(),
                           f"{what}: {name} differs ({got.dtype} {got.shape})")

    one = os.path.join(tmp, "one.safetensors")
    rc, _, out, err = run_ckpt(ckpt, "convert", src, one, "--to", "safetensors")
    if failures.check(rc == 0, f"convert to one file: {out} {err}"):
        check_loaded(safetensors.flax.load_file(one), "safetensors.flax.load_file")
        with safe_open(one, framework="np") as f:
            failures.check(f.metadata() == {"format": "pt"}, f"metadata {f.metadata()}")
            check_loaded({k: f.get_tensor(k) for k in f.keys()}, "safe_open")

    folder = os.path.join(tmp, "sharded")
    rc, _, out, err = run_ckpt(ckpt, "convert", src, folder, "--to", "safetensors", "--max-shard-size", "2KB")
    if failures.check(rc == 0, f"convert to shards: {out} {err}"):
        index = json.load(open(os.path.join(folder, "model.safetensors.index.json")))
        # The state dict in the order ckpt walks the source (Orbax's restore order).
        order = [".".join(l["path"]) for l in ckpt_tree(ckpt, src, failures)["leaves"]]
        split = hub_split({n: want[n] for n in order}, 2000)
        failures.check(index["weight_map"] == split.tensor_to_filename,
                       f"weight_map {index['weight_map']} != huggingface_hub's {split.tensor_to_filename}")
        failures.check(index["metadata"] == split.metadata, f"index metadata {index['metadata']} != {split.metadata}")
        failures.check(sorted(os.listdir(folder)) == sorted(list(split.filename_to_tensors) + ["model.safetensors.index.json"]),
                       f"files {sorted(os.listdir(folder))}")
        loaded = {}
        for filename in split.filename_to_tensors:
            loaded.update(safetensors.flax.load_file(os.path.join(folder, filename)))
        check_loaded(loaded, "shards")
        doc = ckpt_tree(ckpt, folder, failures)
        src_doc = ckpt_tree(ckpt, src, failures)
        if doc and src_doc:
            failures.check({tuple(l["path"]): l["sha256"] for l in doc["leaves"]}
                           == {tuple(l["path"]): l["sha256"] for l in src_doc["leaves"]}, "sharded read-back digests")
    # float8 stays float8 (safetensors.flax cannot load it into NumPy, so check the raw tensors).
    import ml_dtypes
    from safetensors import deserialize
    f8 = {"e4m3": rng.standard_normal((5, 3)).astype(ml_dtypes.float8_e4m3fn),
          "e5m2": rng.standard_normal((5, 3)).astype(ml_dtypes.float8_e5m2),
          "e8m0": (np.abs(rng.standard_normal((4,))) + 0.1).astype(ml_dtypes.float8_e8m0fnu),
          "e4m3fnuz": rng.standard_normal((4,)).astype(ml_dtypes.float8_e4m3fnuz)}
    f8src = os.path.join(tmp, "orbax_f8")
    save_orbax(f8, f8src)
    f8out = os.path.join(tmp, "f8.safetensors")
    rc, _, out, err = run_ckpt(ckpt, "convert", f8src, f8out, "--to", "safetensors")
    if failures.check(rc == 0, f"convert float8: {out} {err}"):
        names = {"e4m3": "F8_E4M3", "e5m2": "F8_E5M2", "e8m0": "F8_E8M0", "e4m3fnuz": "F8_E4M3FNUZ"}
        raw = dict(deserialize(open(f8out, "rb").read()))
        for k, arr in f8.items():
            t = raw.get(k)
            failures.check(t is not None and t["dtype"] == names[k] and list(t["shape"]) == list(arr.shape)
                           and bytes(t["data"]) == arr.tobytes(), f"float8 {k}: {t and (t['dtype'], t['shape'])}")

    # What safetensors cannot hold is refused, naming the leaf; nothing is left behind.
    bad = {"w": np.zeros((2,), np.float32), "q": np.arange(4).astype(ml_dtypes.int4)}
    bsrc = os.path.join(tmp, "orbax_int4")
    save_orbax(bad, bsrc)
    out_path = os.path.join(tmp, "int4.safetensors")
    rc, doc, out, err = run_ckpt(ckpt, "convert", bsrc, out_path, "--to", "safetensors", "--json")
    failures.check(rc != 0 and doc and doc["error"].startswith("unsupported:") and "q (int4)" in doc["error"]
                   and not os.path.exists(out_path), f"int4 refusal: {out} {err}")
    rc, _, out, err = run_ckpt(ckpt, "convert", bsrc, out_path, "--to", "safetensors", "--widen")
    if failures.check(rc == 0, f"--widen: {out} {err}"):
        got = safetensors.flax.load_file(out_path)
        failures.check(np.asarray(got["q"]).dtype == np.int8 and list(np.asarray(got["q"])) == [0, 1, 2, 3],
                       f"widened int4: {got['q']}")


# The worked example of docs/recipes/ (docs/formats.md §8): tested here as shipped.
RECIPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "recipes")


def variant_recipe(ckpt, failures, tmp):
    import jax
    import safetensors.numpy
    from flax import linen as nn

    class MLP(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.relu(nn.Dense(24)(x))
            x = nn.relu(nn.Dense(12)(x))
            return nn.Dense(3)(x)

    variables = MLP().init(jax.random.PRNGKey(0), np.zeros((1, 8), np.float32))
    tree = jax.tree_util.tree_map(np.asarray, {"params": dict(variables["params"])})
    src = os.path.join(tmp, "mlp")
    save_orbax(tree, src)
    recipe = os.path.join(RECIPES, "linen_mlp_to_torch.json")
    out = os.path.join(tmp, "mlp.safetensors")
    rc, _, o, e = run_ckpt(ckpt, "apply", recipe, src, "-o", out)
    if not failures.check(rc == 0, f"apply recipe: {o} {e}"):
        return
    torch_side = safetensors.numpy.load_file(out)
    for i in range(3):
        k = tree["params"][f"Dense_{i}"]["kernel"]
        w = torch_side.get(f"layers.{i}.weight")
        failures.check(w is not None and w.shape == k.T.shape and np.array_equal(w, k.T), f"layers.{i}.weight != kernel.T")
        failures.check(np.array_equal(torch_side.get(f"layers.{i}.bias"), tree["params"][f"Dense_{i}"]["bias"]),
                       f"layers.{i}.bias")
    rc, doc, o, e = run_ckpt(ckpt, "diff", src, out, "--recipe-a", recipe, "--json")
    failures.check(rc == 0 and doc and doc["summary"].get("same") == 6 and doc["summary"]["identical"],
                   f"recipe diff not identical: {o[:1500]} {e}")
    # Without the recipe the two differ, and a tampered conversion is caught with it.
    rc, doc, o, e = run_ckpt(ckpt, "diff", src, out, "--json")
    failures.check(rc == 1, f"diff without recipe exits {rc}")
    tampered = dict(torch_side)
    tampered["layers.1.weight"] = tampered["layers.1.weight"] + np.float32(1e-3)
    tpath = os.path.join(tmp, "tampered.safetensors")
    safetensors.numpy.save_file(tampered, tpath)
    rc, doc, o, e = run_ckpt(ckpt, "diff", src, tpath, "--recipe-a", recipe, "--json")
    changed = [x["path"] for x in doc.get("pairs", []) if x.get("status") != "same"] if doc else []
    failures.check(rc == 1 and changed == ["layers/1/weight"], f"tampered conversion: rc {rc} changed {changed} {e}")
    rc, doc, o, e = run_ckpt(ckpt, "diff", src, tpath, "--recipe-a", recipe, "--atol", "0.01", "--json")
    failures.check(rc == 0, f"tolerance does not accept the tampered weight: {rc}")


def variant_corpus(ckpt, failures, tmp, corpus):
    if not corpus or not os.path.isdir(corpus):
        print("SKIP: no corpus folder")
        sys.exit(77)
    converted = 0
    for name in sorted(os.listdir(corpus)):
        top = os.path.join(corpus, name)
        if not os.path.isdir(top):
            continue
        for entry in sorted(os.listdir(top)):
            path = os.path.join(top, entry)
            rc, src, _, _ = run_ckpt(ckpt, "tree", path, "--json", "--digest")
            if rc != 0 or not src or "leaves" not in src:
                continue
            out = os.path.join(tmp, f"{name}_{entry}.safetensors")
            rc, doc, o, e = run_ckpt(ckpt, "convert", path, out, "--to", "safetensors", "--name-sep", "/", "--json")
            if rc != 0:
                failures.check(doc and doc["error"].startswith("unsupported:"), f"{path}: convert failed: {o} {e}")
                print(f"not representable: {path}: {doc['error'][:160] if doc else ''}")
                continue
            back = ckpt_tree(ckpt, out, failures, "--flat-names")
            if not back:
                continue
            got = {l["path"][0]: l for l in back["leaves"]}
            arrays = [l for l in src["leaves"] if l["kind"] == "array"]
            for l in arrays:
                g = got.get("/".join(l["path"]) or "tensor")
                failures.check(g is not None and g["sha256"] == l["sha256"] and g["dtype"] == l["dtype"]
                               and g["shape"] == l["shape"], f"{path}: {'/'.join(l['path'])} differs after the round trip")
            scalars = [l for l in src["leaves"] if l["kind"] == "scalar"]
            failures.check(len(got) == len(arrays) + len(scalars), f"{path}: {len(got)} tensors read back, want "
                           f"{len(arrays)} arrays + {len(scalars)} scalars")
            converted += 1
    print(f"round-tripped {converted} corpus checkpoints")
    failures.check(converted >= 5, f"only {converted} corpus checkpoints converted")


def main():
    args = parse_args(["variant", "corpus"]) if len(sys.argv) > 4 else parse_args(["variant"])
    failures = Failures()
    with tempfile.TemporaryDirectory() as tmp:
        if args.variant == "read":
            variant_read(args.ckpt, failures, tmp)
        elif args.variant == "shards":
            variant_shards(args.ckpt, failures, tmp)
        elif args.variant == "write":
            variant_write(args.ckpt, failures, tmp)
        elif args.variant == "recipe":
            variant_recipe(args.ckpt, failures, tmp)
        elif args.variant == "corpus":
            variant_corpus(args.ckpt, failures, tmp, getattr(args, "corpus", None))
        else:
            print(__doc__)
            sys.exit(2)
    failures.finish(f"safetensors {args.variant}")


if __name__ == "__main__":
    main()
