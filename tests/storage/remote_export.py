"""`ckpt convert` writes checkpoints into real object stores on 127.0.0.1 (fake-gcs-server,
gcp-storage-emulator, versitygw with SigV4 enforced), and what it wrote reads back exactly.

The expected answer is always a local export of the same source with the same options: the
remote copy must give the same `tree --json --digest` leaves, through its URL (Orbax, Flax,
safetensors) or downloaded through the server's own API (HDF5, which ckpt reads only locally).
Also checked, with the server's own listing: a non-empty destination is refused without --force
and left as it was; --force leaves nothing of the old checkpoint; --as-step adds a committed step
to a run in the bucket; objects larger than a part go as S3 multipart / GCS resumable uploads;
when an upload fails (faults injected by fault_proxy.py: a commit marker, an ordinary object, one
part of a multipart upload) every object written is deleted, no marker remains and no multipart
upload is left open; http(s) destinations, a bucket root and a destination inside the source are
refused with clear errors.

usage: remote_export.py --ckpt CKPT --corpus DIR SERVER       SERVER: gcs | gcs-emulator | s3
Exit 77 (skip) when the corpus or the server's program is missing.
"""
import argparse
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import servers  # noqa: E402
from remote_faults import Checks, Proxy  # noqa: E402

SKIP = 77
BUCKET = "ckpt-export"
# One source per family, each small: a Flax msgpack file, an aggregate Orbax checkpoint, OCDBT with
# zarr v2 and with zarr v3, and a run step.
SOURCES = ["flax_msgpack/netket_qns_RBM_complex128.mpack", "orbax_aggregate_zarr2/orbax_aggregate_all.checkpoint",
           "orbax_ocdbt_zarr2/sar2652_polynomial_expansion",
           "orbax_ocdbt_zarr3/compat_v1_composite__checkpoint_metadata_present__pytree_checkpointable_has_metadata"]
RUN = "orbax_ocdbt_zarr2/managed_v0__has_metrics__has_custom_metadata"


def run(ckpt, argv, env, timeout=300):
    proc = subprocess.run([ckpt] + argv, capture_output=True, env=env, timeout=timeout)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def leaves(ckpt, target, env):
    rc, out, err = run(ckpt, ["tree", target, "--json", "--digest"], env)
    if rc != 0:
        return f"rc {rc}: {err.strip()[-300:]}"
    return json.loads(out).get("leaves")


class GcsView:
    """The bucket as the GCS server itself lists and serves it."""

    def __init__(self, server):
        self.server = server

    def objects(self, prefix):
        out, token = {}, None
        while True:
            resp = servers.http_request("GET", self.server.list_url(BUCKET, prefix=prefix, pageToken=token))
            doc = resp.json()
            for item in doc.get("items", []):
                out[item["name"]] = str(item.get("generation"))
            token = doc.get("nextPageToken")
            if not token:
                return out

    def get(self, key):
        return servers.http_request("GET", self.server.media_url(BUCKET, key)).body

    def open_uploads(self, prefix):
        return []  # GCS resumable sessions are not listable; an unfinished one creates no object


class S3View:
    NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"

    def __init__(self, server):
        self.server = server

    def _xml(self, query):
        resp = self.server.request("GET", BUCKET, query=query)
        if resp.status != 200:
            raise RuntimeError(f"S3 GET ?{query}: {resp.status} {resp.body[:200]!r}")
        return ET.fromstring(resp.body)

    def objects(self, prefix):
        out, token = {}, None
        while True:
            q = "list-type=2&prefix=" + urllib.parse.quote(prefix, safe="")
            if token:
                q += "&continuation-token=" + urllib.parse.quote(token, safe="")
            doc = self._xml(q)
            for c in doc.iter(self.NS + "Contents"):
                out[c.find(self.NS + "Key").text] = c.find(self.NS + "ETag").text
            token = doc.findtext(self.NS + "NextContinuationToken")
            if doc.findtext(self.NS + "IsTruncated") != "true" or not token:
                return out

    def get(self, key):
        return self.server.request("GET", BUCKET, key).body

    def open_uploads(self, prefix):
        doc = self._xml("prefix=" + urllib.parse.quote(prefix, safe="") + "&uploads=")
        return [u.findtext(self.NS + "Key") for u in doc.iter(self.NS + "Upload")]


def start(kind):
    if kind == "gcs":
        server = servers.FakeGcsServer().start()
    elif kind == "gcs-emulator":
        server = servers.GcpStorageEmulator().start()
    elif kind == "s3":
        server = servers.VersityGateway().start()
    else:
        raise SystemExit(f"unknown server kind {kind}")
    server.create_bucket(BUCKET)
    view = S3View(server) if kind == "s3" else GcsView(server)
    return server, view, ("s3" if kind == "s3" else "gs")


def write_big_safetensors(path, mib):
    """A safetensors file of one float32 tensor of `mib` MiB plus a small int32 one, without numpy.
    The values are pseudo-random (so no codec shrinks them below a part) and finite (the top
    exponent bit is cleared, so no NaN or inf), so every export keeps them bit for bit."""
    big = bytearray(random.Random(7).randbytes(mib << 20))
    big[3::4] = big[3::4].translate(bytes(b & 0xBF for b in range(256)))
    small = struct.pack("<4i", 1, -2, 3, -4)
    header = {"big": {"dtype": "F32", "shape": [len(big) // 4], "data_offsets": [0, len(big)]},
              "small": {"dtype": "I32", "shape": [4], "data_offsets": [len(big), len(big) + 16]}}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(text)) + text + bytes(big) + small)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("server")
    args = p.parse_args()
    corpus = Path(args.corpus)
    if not (corpus / SOURCES[0]).exists():
        print(f"SKIP: the corpus is not at {corpus}")
        return SKIP
    try:
        server, view, scheme = start(args.server)
    except servers.Unavailable as e:
        print(f"SKIP: {e}")
        return SKIP
    checks = Checks()
    check = checks.check
    tmp = Path(tempfile.mkdtemp(prefix="ckpt-remote-export-"))
    env = dict(os.environ)
    env.update(server.client_env())
    env["CKPT_HTTP_RETRIES"] = "2"
    env["CKPT_UPLOAD_PART_MB"] = "5"
    env["CKPT_STAGING_DIR"] = str(tmp)
    ck = args.ckpt
    base = f"{scheme}://{BUCKET}"
    try:
        # 1. Every format, from every family, reads back as the local export of the same source.
        for i, rel in enumerate(SOURCES):
            src = str(corpus / rel)
            for fmt in ("orbax", "flax-msgpack", "safetensors", "hdf5"):
                name = {"flax-msgpack": "model.msgpack", "safetensors": "model.safetensors", "hdf5": "model.h5"}
                leaf = name.get(fmt, "ckpt")
                local = tmp / f"local{i}-{fmt}" / leaf
                local.parent.mkdir()
                rc_l, _, err_l = run(ck, ["convert", src, str(local), "--to", fmt], env)
                url = f"{base}/formats/{i}/{fmt}/{leaf}"
                rc_r, _, err_r = run(ck, ["convert", src, url, "--to", fmt], env)
                if rc_l != 0:
                    check(rc_r == rc_l and err_r.split(":")[1:2] == err_l.split(":")[1:2],
                          f"{rel} --to {fmt}: refused remotely as locally ({err_l.strip()[-120:]})")
                    continue
                check(rc_r == 0, f"{rel} --to {fmt}: convert to {url} succeeds ({err_r.strip()[-200:]})")
                if fmt == "hdf5":
                    copy = tmp / f"copy{i}.h5"
                    copy.write_bytes(view.get(f"formats/{i}/{fmt}/{leaf}"))
                    got = leaves(ck, str(copy), env)
                else:
                    got = leaves(ck, url, env)
                want = leaves(ck, str(local), env)
                check(isinstance(want, list) and got == want,
                      f"{rel} --to {fmt}: the remote copy has the local export's {len(want)} leaves, digest for digest")
        staged = [p for p in tmp.iterdir() if p.name.startswith("ckpt-staging-")]
        check(not staged, f"no staging folder is left behind ({[p.name for p in staged]})")

        # 2. Orbax writes its commit markers on object stores; ours come last and the item has one.
        keys = view.objects("formats/1/orbax/")
        check("formats/1/orbax/ckpt/commit_success.txt" in keys and "formats/1/orbax/ckpt/_METADATA" in keys,
              f"an Orbax export has _METADATA and commit_success.txt ({sorted(keys)[:8]})")

        # 3. A non-empty destination is refused and left as it was; --force replaces it completely.
        src_a, src_b = str(corpus / SOURCES[2]), str(corpus / SOURCES[3])
        dst = f"{base}/replace/ckpt"
        run(ck, ["convert", src_a, dst, "--to", "orbax"], env)
        before = view.objects("replace/")
        rc, _, err = run(ck, ["convert", src_b, dst, "--to", "orbax"], env)
        check(rc == 2 and "destination exists" in err and "--force" in err,
              f"an existing destination is refused, naming --force (rc {rc}: {err.strip()[-160:]})")
        check(view.objects("replace/") == before, "the refused destination is unchanged, object for object")
        rc, _, err = run(ck, ["convert", src_b, dst, "--to", "orbax", "--force"], env)
        after = view.objects("replace/")
        local_b = tmp / "local-b"
        run(ck, ["convert", src_b, str(local_b), "--to", "orbax"], env)
        # OCDBT data files have random names: compare the layouts with those names masked.
        def layout(names):
            return sorted(re.sub(r"/d/[0-9a-f]+$", "/d/*", n) for n in names)
        want_keys = ["replace/ckpt/" + p.relative_to(local_b).as_posix() for p in local_b.rglob("*") if p.is_file()]
        check(rc == 0 and layout(after) == layout(want_keys),
              f"--force leaves the new checkpoint's objects and nothing else ({layout(after)} vs {layout(want_keys)})")
        check(not [k for k in before if "/d/" in k and k in after], "no data file of the old checkpoint survives")
        check(leaves(ck, dst, env) == leaves(ck, src_b, env), "the replaced destination reads as the new source")
        file_dst = f"{base}/replace/ckpt/_METADATA"
        rc, _, err = run(ck, ["convert", src_a, f"{base}/replace", "--to", "flax-msgpack", "--force"], env)
        check(rc == 2 and "is a folder" in err, f"a folder is not replaced by a file (rc {rc}: {err.strip()[-120:]})")
        check(file_dst.split(f"{base}/")[1] in view.objects("replace/"), "and the folder stays")

        # 4. --as-step adds a committed step to a run in the bucket, named like its siblings.
        run_dir = corpus / RUN
        for rel, path in servers.iter_files(run_dir):
            (server.put_object(BUCKET, f"run/{rel}", path.read_bytes()) if scheme == "s3"
             else server.upload(BUCKET, f"run/{rel}", path.read_bytes()))
        rc, out, err = run(ck, ["steps", f"{base}/run", "--json"], env)
        steps_before = json.loads(out) if rc == 0 else None
        rc, out, err = run(ck, ["convert", src_a, f"{base}/run", "--to", "orbax", "--as-step", "77"], env)
        check(rc == 0, f"--as-step 77 into the remote run succeeds ({err.strip()[-200:]})")
        rc, out, err = run(ck, ["steps", f"{base}/run", "--json"], env)
        steps = json.loads(out) if rc == 0 else {}
        listed = steps.get("steps", steps) if isinstance(steps, dict) else steps
        new = [s for s in listed if str(s.get("step")) == "77"]
        check(len(new) == 1 and new[0].get("complete", True) is not False,
              f"ckpt steps lists step 77 as complete ({new})")
        n_before = len(steps_before.get("steps", steps_before)) if isinstance(steps_before, dict) else len(steps_before or [])
        check(len(listed) == n_before + 1, f"the run has one step more ({n_before} -> {len(listed)})")
        step_keys = [k for k in view.objects("run/") if "77" in k.split("/")[1]]
        step_dir = "run/" + step_keys[0].split("/")[1] if step_keys else "run/77"
        check(f"{step_dir}/commit_success.txt" in step_keys and f"{step_dir}/_CHECKPOINT_METADATA" in step_keys,
              f"the new step folder has _CHECKPOINT_METADATA and commit_success.txt ({step_dir})")
        rc, _, err = run(ck, ["convert", src_b, f"{base}/run", "--to", "orbax", "--as-step", "77"], env)
        check(rc == 2 and "step folder exists" in err, f"the same step again is refused ({err.strip()[-120:]})")
        check(leaves(ck, f"{base}/run/{step_dir.split('/')[1]}", env) == leaves(ck, src_a, env),
              "the new step reads as its source")

        # 5. Objects larger than a part (5 MiB here) go in parts and come back bit for bit.
        big = tmp / "big.safetensors"
        write_big_safetensors(big, 21)
        for fmt, leaf in (("safetensors", "big.safetensors"), ("orbax", "big")):
            url = f"{base}/big/{fmt}/{leaf}"
            rc, _, err = run(ck, ["convert", str(big), url, "--to", fmt], env)
            check(rc == 0, f"a 21 MiB checkpoint goes up as {fmt} ({err.strip()[-200:]})")
            check(leaves(ck, url, env) == leaves(ck, str(big), env), f"and reads back digest for digest ({fmt})")
        if scheme == "s3":
            for prefix in ("big/safetensors/", "big/orbax/big/d/"):
                tags = [t for k, t in view.objects(prefix).items() if k.endswith(".safetensors") or "/d/" in k]
                check(sum(t.strip('"').endswith("-5") for t in tags) == 1,
                      f"the 21 MiB object under {prefix} was sent as 5 parts (ETags {tags})")
        check(not view.open_uploads("big/"), "no multipart upload is left open")

        # 6. A failed upload deletes what it wrote and never writes a marker.
        faults = [("^(POST|PUT) .*commit_success", "a commit marker"), ("^(POST|PUT) .*_METADATA", "an ordinary object")]
        if scheme == "s3":
            faults.append(("^PUT .*partNumber=3", "one part of a multipart upload"))
        for i, (only, what) in enumerate(faults):
            with Proxy(server.url, "500x100", only=only, keep_host=scheme == "s3") as proxy:
                fenv = dict(env)
                if scheme == "s3":
                    fenv["AWS_ENDPOINT_URL"] = fenv["AWS_ENDPOINT_URL_S3"] = proxy.url
                else:
                    fenv["STORAGE_EMULATOR_HOST"] = proxy.url
                    fenv.pop("TENSORSTORE_GCS_HTTP_URL", None)
                source = str(big) if "partNumber" in only else src_a
                rc, _, err = run(ck, ["convert", source, f"{base}/failed/{i}", "--to", "orbax"], fenv)
            left = view.objects(f"failed/{i}/")
            check(rc != 0 and "io:" in err and "500" in err,
                  f"when {what} cannot be written, convert fails with the server's status ({err.strip()[-160:]})")
            check(not left, f"and every object it wrote is deleted again ({sorted(left)[:5]})")
            check(not view.open_uploads(f"failed/{i}/"), "and no multipart upload is left open")

        # 7. Destinations that cannot be written are refused before anything is staged.
        rc, _, err = run(ck, ["convert", src_a, "https://127.0.0.1:9/out", "--to", "orbax"], env)
        check(rc == 2 and "read-only" in err, f"an https:// destination is refused as read-only ({err.strip()[-120:]})")
        rc, _, err = run(ck, ["convert", src_a, f"{base}/", "--to", "orbax"], env)
        check(rc == 2 and "bucket itself" in err, f"the bucket root is refused ({err.strip()[-120:]})")
        rc, _, err = run(ck, ["convert", f"{base}/replace/ckpt", f"{base}/replace/ckpt/inner", "--to", "orbax"], env)
        check(rc == 2 and "inside the source" in err, f"a destination inside the source is refused ({err.strip()[-120:]})")
        rc, _, err = run(ck, ["convert", f"{base}/replace/ckpt", f"{base}/replace/ckpt", "--to", "orbax", "--force"], env)
        check(rc == 2 and "is (or contains) the source" in err, f"replacing the source itself is refused ({err.strip()[-120:]})")
        check(view.objects("replace/") == after, "and the source is untouched")
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)
    if checks.failed:
        print(f"{len(checks.failed)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
