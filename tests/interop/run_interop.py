"""Launches one interop test script under the interop venv's python (stdlib only).

usage: run_interop.py --python VENV_PY --ckpt CKPT_BIN SCRIPT [ARGS...]

CKPT_INTEROP_PYTHON in the environment overrides --python. When that interpreter does not exist
the test is reported as skipped: a loud SKIP line and exit code 77 (CTest SKIP_RETURN_CODE).
"""
import os
import sys

SKIP = 77


def main(argv):
    if len(argv) < 5 or argv[0] != "--python" or argv[2] != "--ckpt":
        print(__doc__, file=sys.stderr)
        return 2
    python = os.environ.get("CKPT_INTEROP_PYTHON") or argv[1]
    ckpt, script, rest = argv[3], argv[4], argv[5:]
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        print("#" * 72)
        print(f"# SKIP: interop venv missing ({python} does not exist).")
        print("# Create it with packaging/install-deps.sh, or point CKPT_INTEROP_PYTHON at")
        print("# a python that has tests/interop/requirements.lock installed.")
        print("#" * 72)
        sys.stdout.flush()
        return SKIP
    if not os.path.isfile(ckpt):
        print(f"FAIL: ckpt binary {ckpt} does not exist", file=sys.stderr)
        return 1
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ)
    env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
    args = [python, script, "--ckpt", ckpt, *rest]
    sys.stdout.flush()
    os.execve(python, args, env)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
