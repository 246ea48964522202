#!/usr/bin/env python3
"""Self-test of tests/storage/servers.py: starts every server, puts a small tree in, and checks
with plain urllib (and boto3 for S3) what the remote-storage client relies on.

    python3 tests/storage/check_servers.py [--only nginx,fake-gcs,...] [--allow-missing]

Re-runs itself under the storage venv's python when boto3 is not importable. Exits 0 when every
check passed; otherwise prints each failure. A server whose program is not installed is a
failure, or a skip with --allow-missing. The last line reads 'N passed, N failed, N skipped'.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers as S  # noqa: E402

ACCESS_KEY = "ckpt-check-access"
SECRET_KEY = "ckpt-check-secret-0123456789"
SERVERS = ["nginx", "http-server", "fake-gcs", "gcp-emulator", "versitygw"]


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []
        self.skipped: list[str] = []
        self.notes: list[str] = []
        self.group = ""

    def check(self, what: str, ok: bool, detail: object = "") -> bool:
        name = f"{self.group}: {what}"
        if ok:
            self.passed += 1
            print(f"  ok    {what}")
        else:
            self.failed.append(f"{name} -- {detail}")
            print(f"  FAIL  {what} -- {detail}")
        return ok

    def equal(self, what: str, got: object, want: object) -> bool:
        return self.check(what, got == want, f"got {got!r}, want {want!r}")

    def note(self, text: str) -> None:
        self.notes.append(f"{self.group}: {text}")
        print(f"  note  {text}")


def make_tree(root: Path) -> dict[str, bytes]:
    """A small checkpoint-like tree; returns {relative path: bytes}."""
    pattern = bytes(range(256))
    files = {
        "ckpt/_METADATA": b'{"tree_metadata": {}}\n',
        "ckpt/params/.zarray": b'{"zarr_format": 2}\n',
        "ckpt/params/0.0": (pattern * 40)[:10000],
        "ckpt/params/0.1": (pattern[::-1] * 40)[:7000],
        "ckpt/params/1.0": b"\x00" * 3000,
        "ckpt/opt/a b+c.bin": b"odd name",
        "top.txt": b"top level\n",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def quote(rel: str) -> str:
    return S._quote_path(rel)


# ---------------------------------------------------------------------------------------------


def check_range_server(c: Checks, base: str, files: dict[str, bytes], honours_range: bool,
                       ca_file: str | None = None) -> None:
    name = "ckpt/params/0.0"
    data = files[name]
    r = S.http_request("GET", f"{base}/{quote(name)}", ca_file=ca_file)
    c.equal("GET status", r.status, 200)
    c.check("GET body", r.body == data, f"{len(r.body)} bytes")
    r = S.http_request("GET", f"{base}/{quote(name)}", headers={"Range": "bytes=100-199"},
                       ca_file=ca_file)
    if honours_range:
        c.equal("Range GET status", r.status, 206)
        c.equal("Range GET Content-Range", r.header("Content-Range"),
                f"bytes 100-199/{len(data)}")
        c.check("Range GET body", r.body == data[100:200], f"{len(r.body)} bytes")
        r = S.http_request("GET", f"{base}/{quote(name)}", headers={"Range": "bytes=-10"},
                           ca_file=ca_file)
        c.check("suffix Range GET", r.status == 206 and r.body == data[-10:], r)
        r = S.http_request("GET", f"{base}/{quote(name)}",
                           headers={"Range": f"bytes={len(data)}-"}, ca_file=ca_file)
        c.equal("Range past the end status", r.status, 416)
    else:
        c.equal("Range ignored: status", r.status, 200)
        c.equal("Range ignored: no Content-Range", r.header("Content-Range"), None)
        c.check("Range ignored: whole body", r.body == data, f"{len(r.body)} bytes")
    odd = "ckpt/opt/a b+c.bin"
    r = S.http_request("GET", f"{base}/{quote(odd)}", ca_file=ca_file)
    c.check("GET of a name with space and '+'", r.status == 200 and r.body == files[odd], r)
    r = S.http_request("GET", f"{base}/ckpt/nope", ca_file=ca_file)
    c.equal("missing file status", r.status, 404)


def run_nginx(c: Checks, src: Path, files: dict[str, bytes]) -> None:
    t0 = time.monotonic()
    with S.NginxServer() as web:
        c.note(f"started in {time.monotonic() - t0:.2f} s (with the CA) on {web.url} and "
               f"{web.https_url}")
        web.put_tree(src)
        check_range_server(c, web.url, files, honours_range=True)
        r = S.http_request("GET", f"{web.url}/ckpt/params/0.0")
        etag = r.header("ETag")
        c.check("ETag and Last-Modified", bool(etag) and bool(r.header("Last-Modified")),
                dict(r.headers))
        c.note(f"ETag {etag}, Accept-Ranges {r.header('Accept-Ranges')}")
        r = S.http_request("GET", f"{web.url}/ckpt/params/0.0",
                           headers={"If-None-Match": etag or ""})
        c.equal("If-None-Match with the ETag", r.status, 304)
        r = S.http_request("GET", f"{web.url}/ckpt/params/")
        try:
            listing = {e["name"]: e for e in r.json()}
        except ValueError as err:
            listing = {}
            c.check("JSON autoindex parses", False, err)
        # nginx's autoindex never lists names starting with '.', and no directive changes that;
        # they are still served.
        c.equal("JSON autoindex names (no dot files)", sorted(listing), ["0.0", "0.1", "1.0"])
        r = S.http_request("GET", f"{web.url}/ckpt/params/.zarray")
        c.check("dot file is served", r.status == 200 and r.body == files["ckpt/params/.zarray"],
                r)
        c.check("JSON autoindex size", listing.get("0.0", {}).get("size") == 10000, listing)
        r = S.http_request("GET", f"{web.url}/ckpt/")
        kinds = {e["name"]: e["type"] for e in r.json()} if r.status == 200 else {}
        c.equal("JSON autoindex types", kinds,
                {"_METADATA": "file", "opt": "directory", "params": "directory"})
        # https with the test CA
        check_range_server(c, web.https_url, files, honours_range=True, ca_file=web.ca_file)
        try:
            S.http_request("GET", f"{web.https_url}/top.txt")
            c.check("https without the test CA is refused", False, "no TLS error")
        except (ssl.SSLError, urllib.error.URLError) as err:
            c.check("https without the test CA is refused", "CERTIFICATE_VERIFY_FAILED" in str(err),
                    err)
        curl = shutil.which("curl")
        if curl:
            env = dict(os.environ, **web.client_env())
            out = subprocess.run([curl, "-sS", "--fail", "-r", "0-3",
                                  f"{web.https_url}/top.txt"],
                                 capture_output=True, env=env, check=False)
            c.check("curl trusts CURL_CA_BUNDLE", out.returncode == 0 and out.stdout == b"top ",
                    out.stderr.decode(errors="replace"))
        else:
            c.note("curl not found; CURL_CA_BUNDLE not tried")


def run_http_server(c: Checks, src: Path, files: dict[str, bytes]) -> None:
    t0 = time.monotonic()
    with S.PythonHttpServer() as plain:
        c.note(f"started in {time.monotonic() - t0:.2f} s on {plain.url}")
        plain.put_tree(src)
        check_range_server(c, plain.url, files, honours_range=False)
        r = S.http_request("GET", f"{plain.url}/ckpt/params/")
        c.check("directory listing is HTML", r.status == 200 and b"0.0" in r.body, r)


# ---------------------------------------------------------------------------------------------


def check_gcs(c: Checks, gcs, bucket: str, files: dict[str, bytes], paginates: bool) -> None:
    name = "ckpt/params/0.0"
    data = files[name]
    r = S.http_request("GET", gcs.media_url(bucket, name))
    c.check("media GET", r.status == 200 and r.body == data, r)
    c.note(f"media GET headers: ETag={r.header('ETag')} "
           f"X-Goog-Generation={r.header('X-Goog-Generation')} "
           f"X-Goog-Hash={r.header('X-Goog-Hash')}")
    r = S.http_request("GET", gcs.media_url(bucket, name), headers={"Range": "bytes=100-199"})
    c.equal("media Range GET status", r.status, 206)
    c.equal("media Range GET Content-Range", r.header("Content-Range"),
            f"bytes 100-199/{len(data)}")
    c.check("media Range GET body", r.body == data[100:200], f"{len(r.body)} bytes")
    r = S.http_request("GET", gcs.object_url(bucket, name))
    meta = r.json() if r.status == 200 else {}
    c.equal("metadata size", meta.get("size"), str(len(data)))
    c.equal("metadata md5Hash", meta.get("md5Hash"),
            base64.b64encode(hashlib.md5(data).digest()).decode())
    c.check("metadata generation", bool(meta.get("generation")), meta)
    odd = "ckpt/opt/a b+c.bin"
    r = S.http_request("GET", gcs.media_url(bucket, odd))
    c.check("media GET of a name with space and '+'", r.status == 200 and r.body == files[odd], r)
    r = S.http_request("GET", gcs.media_url(bucket, "ckpt/nope"))
    c.equal("missing object status", r.status, 404)
    # listing
    names, prefixes, _ = gcs.list_all(bucket, delimiter="/")
    c.equal("list with delimiter: items", names, ["top.txt"])
    c.equal("list with delimiter: prefixes", prefixes, ["ckpt/"])
    names, prefixes, _ = gcs.list_all(bucket, prefix="ckpt/", delimiter="/")
    c.equal("list prefix+delimiter: items", names, ["ckpt/_METADATA"])
    c.equal("list prefix+delimiter: prefixes", sorted(prefixes), ["ckpt/opt/", "ckpt/params/"])
    names, _, pages = gcs.list_all(bucket, prefix="ckpt/params/", page_size=2)
    c.equal("list following pageToken: items", names,
            sorted(n for n in files if n.startswith("ckpt/params/")))
    if paginates:
        c.equal("list with maxResults=2: pages", pages, 2)
    else:
        c.note(f"maxResults ignored: {pages} page(s), no nextPageToken")
    # upload
    body = b"uploaded through the JSON API\n" * 10
    res = gcs.upload(bucket, "up/new.bin", body)
    c.equal("media upload: size", res.get("size"), str(len(body)))
    r = S.http_request("GET", gcs.media_url(bucket, "up/new.bin"))
    c.check("media upload read back", r.status == 200 and r.body == body, r)


def run_fake_gcs(c: Checks, src: Path, files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as data:
        S.copy_tree(src, Path(data) / "preloaded")
        t0 = time.monotonic()
        with S.FakeGcsServer(data_dir=data) as gcs:
            c.note(f"started in {time.monotonic() - t0:.2f} s on {gcs.url} (memory backend, "
                   "-data preload)")
            check_gcs(c, gcs, "preloaded", files, paginates=True)
            gcs.put_tree(src, "uploaded")
            check_gcs(c, gcs, "uploaded", files, paginates=True)
            r = S.http_request("GET", f"{gcs.url}/uploaded/ckpt/params/0.0",
                               headers={"Range": "bytes=0-9"})
            c.check("public-host path GET /bucket/object", r.status == 206 and
                    r.body == files["ckpt/params/0.0"][:10], r)


def run_gcp_emulator(c: Checks, src: Path, files: dict[str, bytes]) -> None:
    t0 = time.monotonic()
    with S.GcpStorageEmulator() as gcs:
        c.note(f"started in {time.monotonic() - t0:.2f} s on {gcs.url}")
        gcs.put_tree(src, "uploaded")
        check_gcs(c, gcs, "uploaded", files, paginates=False)


# ---------------------------------------------------------------------------------------------


def boto3_checks(c: Checks, s3: S.VersityGateway, bucket: str, files: dict[str, bytes]) -> None:
    import boto3
    import botocore.config
    import botocore.exceptions

    def client(secret: str):
        return boto3.client(
            "s3", endpoint_url=s3.url, region_name=s3.region, aws_access_key_id=s3.access_key,
            aws_secret_access_key=secret,
            config=botocore.config.Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))

    cl = client(s3.secret_key)
    name = "ckpt/params/0.1"
    got = cl.get_object(Bucket=bucket, Key=name, Range="bytes=10-19")
    c.check("boto3 Range get_object",
            got["Body"].read() == files[name][10:20] and got["ContentRange"] ==
            f"bytes 10-19/{len(files[name])}", got.get("ContentRange"))
    head = cl.head_object(Bucket=bucket, Key=name)
    c.equal("boto3 head_object ETag", head["ETag"], f'"{hashlib.md5(files[name]).hexdigest()}"')
    keys, prefixes, pages = [], [], 0
    for page in cl.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix="ckpt/", Delimiter="/", PaginationConfig={"PageSize": 1}):
        pages += 1
        keys += [o["Key"] for o in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    c.equal("boto3 list prefix+delimiter: keys", keys, ["ckpt/_METADATA"])
    c.equal("boto3 list prefix+delimiter: prefixes", sorted(prefixes),
            ["ckpt/opt/", "ckpt/params/"])
    c.check("boto3 list MaxKeys=1 paginates", pages == 3, f"{pages} pages")
    cl.put_object(Bucket=bucket, Key="up/boto.bin", Body=b"from boto3")
    c.equal("boto3 put_object read back",
            cl.get_object(Bucket=bucket, Key="up/boto.bin")["Body"].read(), b"from boto3")
    try:
        client("not-the-secret").get_object(Bucket=bucket, Key=name)
        c.check("boto3 with a wrong secret is refused", False, "request succeeded")
    except botocore.exceptions.ClientError as err:
        status = err.response["ResponseMetadata"]["HTTPStatusCode"]
        c.check("boto3 with a wrong secret is refused", status == 403,
                f"{status} {err.response['Error'].get('Code')}")
        c.note(f"wrong secret: {status} {err.response['Error'].get('Code')}")


def run_versitygw(c: Checks, src: Path, files: dict[str, bytes]) -> None:
    t0 = time.monotonic()
    with S.VersityGateway(ACCESS_KEY, SECRET_KEY) as s3:
        c.note(f"started in {time.monotonic() - t0:.2f} s on {s3.url}, region {s3.region}")
        bucket = "uploaded"
        s3.put_tree(src, bucket)
        name = "ckpt/params/0.0"
        data = files[name]
        r = s3.request("GET", bucket, name)
        c.check("signed GET", r.status == 200 and r.body == data, r)
        c.equal("ETag is the MD5 of a single PUT", r.header("ETag"),
                f'"{hashlib.md5(data).hexdigest()}"')
        r = s3.request("GET", bucket, name, headers={"Range": "bytes=100-199"})
        c.check("signed Range GET", r.status == 206 and r.body == data[100:200] and
                r.header("Content-Range") == f"bytes 100-199/{len(data)}", r)
        odd = "ckpt/opt/a b+c.bin"
        r = s3.request("GET", bucket, odd)
        c.check("signed GET of a name with space and '+'", r.status == 200 and
                r.body == files[odd], r)
        r = s3.request("GET", bucket, query="list-type=2&prefix=ckpt%2F&delimiter=%2F")
        c.check("signed ListObjectsV2", r.status == 200 and b"<Prefix>ckpt/params/</Prefix>"
                in r.body and b"<Key>ckpt/_METADATA</Key>" in r.body, r.body[:300])
        r = s3.request("GET", bucket, name, secret_key="not-the-secret")
        c.equal("wrong secret: status", r.status, 403)
        c.note(f"wrong secret body: {r.body[:160]!r}")
        r = S.http_request("GET", s3.object_url(bucket, name))
        c.equal("unsigned GET: status", r.status, 403)
        r = s3.request("GET", bucket, name, region="eu-west-1")
        c.check("signature scoped to another region is refused", r.status in (400, 403), r)
        c.note(f"other region: {r.status} {r.body[:160]!r}")
        # Files laid straight into the posix directory.
        assert s3.root is not None
        s3.put_tree(src, "laid", via_api=False)
        r = s3.request("GET", "laid", name)
        c.check("GET of a file laid into the posix dir", r.status == 200 and r.body == data, r)
        c.note(f"laid file: ETag {r.header('ETag')!r}, Last-Modified "
               f"{r.header('Last-Modified')!r}")
        r = s3.request("GET", "laid", name, headers={"Range": "bytes=0-9"})
        c.check("Range GET of a laid file", r.status == 206 and r.body == data[:10], r)
        r = s3.request("GET", "laid", query="list-type=2&prefix=ckpt%2Fparams%2F")
        c.check("ListObjectsV2 of laid files", r.status == 200 and
                r.body.count(b"<Key>") == 4, r.body[:400])
        try:
            import boto3  # noqa: F401
        except ImportError:
            c.note("boto3 not importable; boto3 checks not run")
        else:
            boto3_checks(c, s3, bucket, files)


RUNNERS = {
    "nginx": run_nginx,
    "http-server": run_http_server,
    "fake-gcs": run_fake_gcs,
    "gcp-emulator": run_gcp_emulator,
    "versitygw": run_versitygw,
}


def reexec_under_storage_python() -> None:
    try:
        import boto3  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("CKPT_CHECK_SERVERS_REEXEC"):
        return
    try:
        python = S.storage_python()
    except S.Unavailable:
        return
    os.environ["CKPT_CHECK_SERVERS_REEXEC"] = "1"
    os.execv(python, [python, str(Path(__file__).resolve()), *sys.argv[1:]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SERVERS),
                        help=f"comma-separated subset of {','.join(SERVERS)}")
    parser.add_argument("--allow-missing", action="store_true",
                        help="a server that is not installed is a skip, not a failure")
    args = parser.parse_args()
    reexec_under_storage_python()
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="ckpt-check-servers-") as tmp:
        src = Path(tmp) / "tree"
        files = make_tree(src)
        for kind in [k.strip() for k in args.only.split(",") if k.strip()]:
            if kind not in RUNNERS:
                parser.error(f"unknown server {kind!r}")
            c.group = kind
            print(f"{kind}:")
            try:
                RUNNERS[kind](c, src, files)
            except S.Unavailable as err:
                if args.allow_missing:
                    c.skipped.append(f"{kind}: {err}")
                    print(f"  skip  {err}")
                else:
                    c.check("available", False, err)
            except Exception as err:  # a crash in one server's checks must not hide the rest
                c.check("ran to the end", False, f"{type(err).__name__}: {err}")
                traceback.print_exc()
    if c.failed:
        print("\nFailed:")
        for line in c.failed:
            print(f"  {line}")
    print(f"\n{c.passed} passed, {len(c.failed)} failed, {len(c.skipped)} skipped")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
