"""Every dev-corpus entry, uploaded to a real server on 127.0.0.1, reads through its URL exactly as
it reads from the local path: the same `ckpt tree --json --digest` leaves (paths, dtypes, shapes,
digests), or the same error category when the local read fails too.

usage: remote_corpus.py --ckpt CKPT --corpus DIR SERVER
SERVER: nginx | nginx-https | gcs | gcs-emulator | s3

The servers and the uploads are real (tests/storage/servers.py); the expected answer is always the
local read of the same bytes, so nothing here is hard-coded. Exit 77 (skip) when the corpus or the
server's program is missing.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers  # noqa: E402

SKIP = 77
BUCKET = "ckpt-corpus"


def corpus_entries(corpus: Path):
    """(relative path, is_file) of every entry a person would open: each case folder of a family,
    and each file of flax_msgpack."""
    out = []
    for family in sorted(p for p in corpus.iterdir() if p.is_dir()):
        for entry in sorted(family.iterdir()):
            out.append(entry.relative_to(corpus).as_posix())
    return out


def tree(ckpt, target, env):
    proc = subprocess.run([ckpt, "tree", target, "--json", "--digest"], capture_output=True, env=env,
                          timeout=300)
    text = proc.stdout.decode("utf-8", "replace").strip() or proc.stderr.decode("utf-8", "replace").strip()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    return proc.returncode, doc, proc.stderr.decode("utf-8", "replace")


def comparable(doc):
    """The parts of a tree document that must not depend on where the bytes came from."""
    if doc is None:
        return None
    if "error" in doc:
        return {"error_category": doc["error"].split(":", 1)[0]}
    return {"leaves": doc.get("leaves"), "format": doc.get("source", {}).get("format"),
            "era": doc.get("source", {}).get("era"), "step": doc.get("source", {}).get("step")}


def start(kind, corpus, tmp):
    if kind in ("nginx", "nginx-https"):
        server = servers.NginxServer(corpus, https=kind == "nginx-https").start()
        base = server.https_url if kind == "nginx-https" else server.url
        return server, base.rstrip("/")
    if kind == "gcs":
        server = servers.FakeGcsServer().start()
        server.put_tree(corpus, BUCKET)
        return server, f"gs://{BUCKET}"
    if kind == "gcs-emulator":
        server = servers.GcpStorageEmulator().start()
        server.put_tree(corpus, BUCKET)
        return server, f"gs://{BUCKET}"
    if kind == "s3":
        server = servers.VersityGateway().start()
        server.put_tree(corpus, BUCKET)
        return server, f"s3://{BUCKET}"
    raise SystemExit(f"unknown server kind {kind}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("server")
    args = p.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"SKIP: corpus missing ({corpus})")
        return SKIP
    with tempfile.TemporaryDirectory() as tmp:
        try:
            server, base = start(args.server, corpus, tmp)
        except servers.Unavailable as e:
            print(f"SKIP: {e}")
            return SKIP
        try:
            env = dict(os.environ)
            env.update(server.client_env())
            failures = []
            entries = corpus_entries(corpus)
            for rel in entries:
                local_rc, local_doc, _ = tree(args.ckpt, str(corpus / rel), dict(os.environ))
                remote_rc, remote_doc, remote_err = tree(args.ckpt, f"{base}/{rel}", env)
                want, got = comparable(local_doc), comparable(remote_doc)
                if local_rc != remote_rc or want != got or want is None:
                    failures.append(f"{rel}: local exit {local_rc}, remote exit {remote_rc}\n"
                                    f"  local:  {json.dumps(want)[:400]}\n  remote: {json.dumps(got)[:400]}\n"
                                    f"  stderr: {remote_err[-600:]}")
            ok = len(entries) - len(failures)
            print(f"{args.server}: {ok} of {len(entries)} corpus entries read the same through {base}")
            for f in failures:
                print("MISMATCH:", f)
            if not entries:
                print("FAIL: the corpus has no entries")
                return 1
            return 1 if failures else 0
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
