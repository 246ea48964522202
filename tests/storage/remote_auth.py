"""Credentials against a server that really checks them (versitygw enforces SigV4): the right keys
read, a wrong secret, an unknown key, no credentials and a wrong region are refused with an `auth`
(or, for the region, a clear) error that says which credentials were used, and no secret ever
reaches stdout, stderr or the JSON.

usage: remote_auth.py --ckpt CKPT --corpus DIR
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers  # noqa: E402

SKIP = 77
ITEM = "orbax_ocdbt_zarr3/compat_v1_composite__checkpoint_metadata_present__pytree_checkpointable_has_metadata"
BUCKET = "ckpt-auth"
SECRET = "ckpt-auth-secret-7f3a9c"
WRONG_SECRET = "wrong-secret-4be21d"


def run(ckpt, target, env):
    proc = subprocess.run([ckpt, "tree", target, "--json"], capture_output=True, env=env, timeout=120)
    out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    try:
        doc = json.loads(out)
    except json.JSONDecodeError:
        doc = {}
    return proc.returncode, doc, out + err


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--corpus", required=True)
    args = p.parse_args()
    corpus = Path(args.corpus)
    if not (corpus / ITEM).is_dir():
        print(f"SKIP: corpus missing ({corpus / ITEM})")
        return SKIP
    try:
        s3 = servers.VersityGateway(access_key="ckpt-auth-key", secret_key=SECRET).start()
    except servers.Unavailable as e:
        print(f"SKIP: {e}")
        return SKIP
    failed = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failed.append(what)

    try:
        s3.put_tree(corpus / ITEM, BUCKET, prefix="item/")
        url = f"s3://{BUCKET}/item"
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        good = dict(base, **s3.client_env())

        rc, doc, text = run(args.ckpt, url, good)
        check(rc == 0 and doc.get("leaves"), f"right keys: the tree is read (exit {rc})")

        cases = [
            ("wrong secret", dict(good, AWS_SECRET_ACCESS_KEY=WRONG_SECRET), "auth", "SignatureDoesNotMatch"),
            ("no credentials", {k: v for k, v in good.items() if not k.startswith("AWS_ACCESS") and
                                k != "AWS_SECRET_ACCESS_KEY"}, "auth", "anonymous"),
        ]
        for what, env, category, hint in cases:
            rc, doc, text = run(args.ckpt, url, env)
            error = doc.get("error", "")
            check(rc == 2 and error.startswith(category + ": 403 from 127.0.0.1"),
                  f"{what}: {category} error with the status and host: {error[:300]}")
            check(hint in error, f"{what}: the message says {hint!r}")
            check(SECRET not in text and WRONG_SECRET not in text, f"{what}: no secret in the output")

        # An access key the server does not know: versitygw answers with 404 XAdminUserNotFound
        # (AWS: 403 InvalidAccessKeyId); the code, not the status, makes it an auth error.
        rc, doc, text = run(args.ckpt, url, dict(good, AWS_ACCESS_KEY_ID="nobody-key"))
        error = doc.get("error", "")
        check(rc == 2 and error.startswith("auth:") and "nobody-key from environment" in error
              and "the server said" in error,
              f"unknown access key: auth error naming the key and the server's reason: {error[:300]}")
        check(SECRET not in text, "unknown access key: no secret in the output")

        # A wrong region changes the signature scope: the gateway refuses it, and we say so.
        rc, doc, text = run(args.ckpt, url, dict(good, AWS_REGION="eu-west-3", AWS_DEFAULT_REGION="eu-west-3"))
        error = doc.get("error", "")
        check(rc == 2 and error.startswith("auth: 400 from 127.0.0.1") and "region" in error,
              f"wrong region: an auth error that names the region problem: {error[:300]}")
        check(SECRET not in text, "wrong region: no secret in the output")

        # A profile file instead of variables, and a missing profile.
        home = Path(s3.tmp) / "home"
        (home / ".aws").mkdir(parents=True)
        (home / ".aws" / "credentials").write_text(
            f"[ci]\naws_access_key_id = ckpt-auth-key\naws_secret_access_key = {SECRET}\n")
        profile_env = {k: v for k, v in good.items() if not k.startswith("AWS_ACCESS") and k != "AWS_SECRET_ACCESS_KEY"}
        profile_env.update(HOME=str(home), AWS_PROFILE="ci")
        rc, doc, text = run(args.ckpt, url, profile_env)
        check(rc == 0 and doc.get("leaves"), f"profile in ~/.aws/credentials: read (exit {rc}) {text[-300:]}")
        rc, doc, text = run(args.ckpt, url, dict(profile_env, AWS_PROFILE="absent"))
        check(rc == 2 and doc.get("error", "").startswith("invalid_argument") and "absent" in doc.get("error", ""),
              f"unknown profile: invalid_argument naming it: {doc.get('error', '')[:300]}")
        check(SECRET not in text, "unknown profile: no secret in the output")
    finally:
        s3.stop()
    print(f"{len(failed)} failure(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
