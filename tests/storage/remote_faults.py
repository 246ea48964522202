"""Network faults between `ckpt` and a real nginx on 127.0.0.1: each one gives either a successful
retry (the same tree and digests as the local read) or the right error, within a bounded time,
never a hang or a crash.

usage: remote_faults.py --ckpt CKPT --corpus DIR

The faults come from fault_proxy.py, a forwarding proxy in front of nginx (503 storms, resets,
truncated bodies, a Content-Length that lies, delays); Python's http.server stands in for a server
that ignores Range; nginx is also stopped in the middle of a read.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import servers  # noqa: E402

SKIP = 77
ITEM = "orbax_ocdbt_zarr2/compat_v0_direct__checkpoint_metadata_present__pytree_checkpointable_has_metadata"
FLAX = "flax_msgpack/netket_test.mpack"
BIG_FLAX = "flax_msgpack/scico_dncnn17N.mpk"


def run_tree(ckpt, target, env=None, timeout=120):
    full_env = dict(os.environ)
    full_env.update(env or {})
    t0 = time.monotonic()
    proc = subprocess.run([ckpt, "tree", target, "--json", "--digest"], capture_output=True, env=full_env,
                          timeout=timeout)
    out = proc.stdout.decode("utf-8", "replace").strip()
    try:
        doc = json.loads(out)
    except json.JSONDecodeError:
        doc = None
    return proc.returncode, doc, proc.stderr.decode("utf-8", "replace"), time.monotonic() - t0


class Proxy:
    def __init__(self, upstream, plan, repeat=False, only=None, keep_host=False):
        self.proc = subprocess.Popen([sys.executable, str(HERE / "fault_proxy.py"), "--upstream", upstream,
                                      "--plan", plan] + (["--repeat"] if repeat else [])
                                     + (["--only", only] if only else []) + (["--keep-host"] if keep_host else []),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            raise RuntimeError("fault_proxy did not start: " + self.proc.stderr.read())
        self.url = f"http://127.0.0.1:{line[1]}"

    def stop(self):
        self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Checks:
    def __init__(self):
        self.failed = []

    def check(self, cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            self.failed.append(what)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--corpus", required=True)
    args = p.parse_args()
    corpus = Path(args.corpus)
    if not (corpus / ITEM).is_dir():
        print(f"SKIP: corpus missing ({corpus / ITEM})")
        return SKIP
    c = Checks()
    rc, local, err, _ = run_tree(args.ckpt, str(corpus / ITEM))
    if rc != 0:
        print("FAIL: local read failed: " + err)
        return 1
    quick = {"CKPT_HTTP_CONNECT_TIMEOUT_MS": "2000", "CKPT_HTTP_LOW_SPEED_TIME_S": "3"}
    try:
        web = servers.NginxServer(corpus, https=False).start()
    except servers.Unavailable as e:
        print(f"SKIP: {e}")
        return SKIP
    try:
        for plan, what in [("503x3", "three 503s"), ("429x2,500", "429, 429, 500"), ("resetx2", "two resets"),
                           ("truncatex2", "two truncated bodies"), ("delay=300x5", "slow answers")]:
            with Proxy(web.url, plan) as proxy:
                rc, doc, err, secs = run_tree(args.ckpt, f"{proxy.url}/{ITEM}", quick)
                c.check(rc == 0 and doc and doc.get("leaves") == local["leaves"],
                        f"{what}: retried and read the same leaves (exit {rc}, {secs:.1f} s) {err[-300:]}")

        # A storm longer than the retries: an io error that names the status, quickly.
        with Proxy(web.url, "503", repeat=True) as proxy:
            rc, doc, err, secs = run_tree(args.ckpt, f"{proxy.url}/{ITEM}", dict(quick, CKPT_HTTP_RETRIES="2"))
            c.check(rc == 2 and doc and doc.get("error", "").startswith("io: 503 from 127.0.0.1"),
                    f"endless 503s: io error naming the status (exit {rc}, {secs:.1f} s): {doc}")
            c.check(secs < 60, f"endless 503s: gave up in {secs:.1f} s")

        # A Content-Length one byte short: curl takes the shorter body, we must notice.
        with Proxy(web.url, "short-length", repeat=True) as proxy:
            rc, doc, err, secs = run_tree(args.ckpt, f"{proxy.url}/{FLAX}", quick)
            c.check(rc == 2 and doc and doc.get("error", "").split(":", 1)[0] in ("corrupt", "io"),
                    f"lying Content-Length: a corrupt/io error, not a wrong tree (exit {rc}): {doc}")

        # Missing objects and folders name the URL.
        rc, doc, err, _ = run_tree(args.ckpt, f"{web.url}/no/such/checkpoint")
        c.check(rc == 2 and doc and doc.get("error", "").startswith("missing_data")
                and doc.get("file", "").endswith("/no/such/checkpoint"),
                f"missing path: missing_data naming the URL: {doc}")

        # The server goes away in the middle of a read: an io error, no hang.
        with Proxy(web.url, "delay=400", repeat=True) as proxy:
            proc = subprocess.Popen([args.ckpt, "tree", f"{proxy.url}/{ITEM}", "--json", "--digest"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=dict(os.environ, **quick, CKPT_HTTP_RETRIES="2"))
            time.sleep(1.0)
            proxy.stop()
            try:
                out, _ = proc.communicate(timeout=90)
                doc = json.loads(out.decode() or "{}")
                c.check(proc.returncode == 2 and doc.get("error", "").startswith("io:"),
                        f"server stopped mid-read: io error (exit {proc.returncode}): {doc}")
            except subprocess.TimeoutExpired:
                proc.kill()
                c.check(False, "server stopped mid-read: ckpt hung")
    finally:
        web.stop()

    # A server that ignores Range: small objects are fetched whole, large ones refused clearly.
    try:
        plain = servers.PythonHttpServer(corpus).start()
    except servers.Unavailable as e:
        print(f"SKIP part: {e}")
        plain = None
    if plain:
        try:
            rc, doc, err, _ = run_tree(args.ckpt, f"{plain.url.rstrip('/')}/{ITEM}")
            c.check(rc == 0 and doc and doc.get("leaves") == local["leaves"],
                    f"no Range support: small objects fetched whole, same leaves (exit {rc}) {err[-300:]}")
            # A file over one 256 KiB cache block is read in parts, so Range is really needed.
            rc, doc, err, _ = run_tree(args.ckpt, f"{plain.url.rstrip('/')}/{BIG_FLAX}", {"CKPT_HTTP_WHOLE_OBJECT_MB": "0"})
            c.check(rc == 2 and doc and doc.get("error", "").startswith("unsupported")
                    and "ignores the Range header" in doc.get("error", ""),
                    f"no Range support and no whole downloads: unsupported error: {doc}")
        finally:
            plain.stop()

    print(f"{len(c.failed)} failure(s)")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
