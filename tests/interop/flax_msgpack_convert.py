"""`ckpt convert FILE OUT --to flax-msgpack` must write exactly the bytes Flax writes, and
flax.serialization.msgpack_restore(OUT) must equal the original state dict. A file chunked at a
small MAX_CHUNK_SIZE may either keep its chunking (byte-identical to the input) or be re-chunked
at Flax's default 2**30 (byte-identical to Flax's default output); both must restore equal."""
import os
import tempfile

import flax.serialization

import flax_trees
from interop_common import Failures, parse_args, run_ckpt, trees_equal


def convert(ckpt, src, dst, failures):
    rc, doc, out, err = run_ckpt(ckpt, "convert", src, dst, "--to", "flax-msgpack")
    if rc != 0 or not os.path.isfile(dst):
        failures.add(f"ckpt convert {src} -> exit {rc}\nstdout: {out[:2000]}\nstderr: {err[:2000]}")
        return None
    with open(dst, "rb") as f:
        return f.read()


def first_difference(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def main():
    args = parse_args()
    failures = Failures()
    with tempfile.TemporaryDirectory() as tmp:
        # 1. The varied tree: byte identity with Flax.
        tree = flax_trees.varied_tree()
        flax_bytes = flax.serialization.to_bytes(tree)
        src = os.path.join(tmp, "varied.msgpack")
        with open(src, "wb") as f:
            f.write(flax_bytes)
        out = convert(args.ckpt, src, os.path.join(tmp, "varied.out.msgpack"), failures)
        if out is not None:
            failures.check(out == flax_bytes,
                           f"converted bytes differ from Flax's ({len(out)} vs {len(flax_bytes)} bytes, "
                           f"first difference at offset {first_difference(out, flax_bytes)})")
            try:
                restored = flax.serialization.msgpack_restore(out)
                failures.check(trees_equal(flax.serialization.to_state_dict(tree), restored, failures=failures),
                               "msgpack_restore(converted) != original")
            except Exception as e:  # noqa: BLE001 - any exception is a failed interop check
                failures.add(f"msgpack_restore(converted) raised {type(e).__name__}: {e}")
        # Refuses to overwrite an existing output unless asked.
        rc, doc, o, e = run_ckpt(args.ckpt, "convert", src, src, "--to", "flax-msgpack")
        failures.check(rc == 2, f"convert onto its own input: exit {rc}, want 2")
        with open(src, "rb") as f:
            failures.check(f.read() == flax_bytes, "convert modified its input")

        # 2. A chunked file.
        chunked = flax_trees.chunked_tree()
        default_bytes = flax.serialization.to_bytes(chunked)
        saved = flax.serialization.MAX_CHUNK_SIZE
        flax.serialization.MAX_CHUNK_SIZE = 4096
        try:
            small_bytes = flax.serialization.to_bytes(chunked)
        finally:
            flax.serialization.MAX_CHUNK_SIZE = saved
        src = os.path.join(tmp, "chunked.msgpack")
        with open(src, "wb") as f:
            f.write(small_bytes)
        out = convert(args.ckpt, src, os.path.join(tmp, "chunked.out.msgpack"), failures)
        if out is not None:
            failures.check(out in (small_bytes, default_bytes),
                           "converted chunked file is neither the input's bytes nor Flax's default bytes")
            try:
                restored = flax.serialization.msgpack_restore(out)
                failures.check(trees_equal(flax.serialization.to_state_dict(chunked), restored, failures=failures),
                               "msgpack_restore(converted chunked) != original")
            except Exception as e:  # noqa: BLE001
                failures.add(f"msgpack_restore(converted chunked) raised {type(e).__name__}: {e}")
    failures.finish("flax msgpack convert")


if __name__ == "__main__":
    main()
