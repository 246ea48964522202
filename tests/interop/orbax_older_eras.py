"""Older Orbax eras: an older pinned venv (tests/interop/requirements-<era>.lock, made by
packaging/install-deps.sh) runs tests/interop/older/write_<era>.py, which writes checkpoints with
that Orbax and records what that Orbax restores; `ckpt` must report every leaf digest for digest
and list the runs' steps exactly.

usage: orbax_older_eras.py --ckpt BIN ERA ERA_PYTHON
  era-a   orbax-checkpoint 0.2.7: aggregate `checkpoint` msgpack + one zarr v2 dir per array
  era-b   orbax-checkpoint 0.4.1: first OCDBT releases (one shared database, `checkpoint` msgpack)
  era-b2  orbax-checkpoint 0.5.20: last with `checkpoint` msgpack; ocdbt.process_0 + merged root

When ERA_PYTHON (or $CKPT_INTEROP_PYTHON_<ERA>) does not exist the test reports SKIP (exit 77).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

from interop_common import Failures, ckpt_tree, compare_leaves, parse_args, run_ckpt

SKIP = 77
WRITER_TIMEOUT_S = 400
# Files the era's item directories must hold (the writers record each item's listing).
ERA_FILES = {"era-a": {"checkpoint"}, "era-b": {"checkpoint", "manifest.ocdbt", "d"},
             "era-b2": {"checkpoint", "_METADATA"}}


def run_writer(python, era, out):
    here = os.path.dirname(os.path.abspath(__file__))
    script = os.path.join(here, "older", f"write_{era.replace('-', '_')}.py")
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join([here, os.path.join(here, "older")]))
    env.pop("XLA_FLAGS", None)
    proc = subprocess.Popen([python, script, out], env=env, start_new_session=True)
    try:
        return proc.wait(timeout=WRITER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "timeout"


def main():
    args = parse_args(["era", "era_python"])
    python = os.environ.get("CKPT_INTEROP_PYTHON_" + args.era.upper().replace("-", "_")) or args.era_python
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        print("#" * 72)
        print(f"# SKIP: {args.era} venv missing ({python} does not exist).")
        print(f"# Create it with packaging/install-deps.sh (tests/interop/requirements-{args.era}.lock).")
        print("#" * 72)
        sys.exit(SKIP)
    failures = Failures()
    with tempfile.TemporaryDirectory() as out:
        code = run_writer(python, args.era, out)
        if code != 0:
            failures.add(f"older/write_{args.era}.py under {python} exited with {code}")
            failures.finish(f"orbax {args.era}")
        with open(os.path.join(out, "expected.json")) as f:
            expected = json.load(f)
        failures.check(len(expected["cases"]) >= 3, f"only {len(expected['cases'])} cases written")
        for case in expected["cases"]:
            if case["files"]:
                missing = ERA_FILES[args.era] - set(case["files"])
                failures.check(not missing, f"{case['name']}: no {missing} in {case['files']} (not this era?)")
            print(f"--- {case['name']}: ckpt tree {case['path']} {' '.join(case['args'])}")
            doc = ckpt_tree(args.ckpt, os.path.join(out, case["path"]), failures, *case["args"])
            if doc is not None:
                compare_leaves(case["leaves"], doc, failures, check_order=False)
        for run in expected["steps"]:
            rc, doc, stdout, stderr = run_ckpt(args.ckpt, "steps", os.path.join(out, run["root"]), "--json")
            if not failures.check(rc == 0 and doc is not None, f"ckpt steps {run['name']}: exit {rc} {stderr[:500]}"):
                continue
            rows = doc.get("steps", [])
            print(f"--- ckpt steps {run['name']}: {[(r.get('name'), r.get('items')) for r in rows]}")
            failures.check([r.get("step") for r in rows] == run["steps"],
                           f"{run['name']}: steps {[r.get('step') for r in rows]}, Orbax {run['steps']}")
            for r in rows:
                failures.check(r.get("complete") and r.get("items") == run["items"],
                               f"{run['name']} step {r.get('step')}: complete {r.get('complete')}, items {r.get('items')}")
            latest = [r.get("step") for r in rows if r.get("latest")]
            failures.check(latest == run["steps"][-1:], f"{run['name']}: latest {latest}")
    failures.finish(f"orbax {args.era} written by the era's own Orbax")


if __name__ == "__main__":
    main()
