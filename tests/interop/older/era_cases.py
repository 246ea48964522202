"""Shared by the older-era writers (run under an older venv): collects each written checkpoint with
the leaves its own Orbax restored, in the `ckpt tree` contract's form, into OUT_DIR/expected.json,
which orbax_older_eras.py (run under the main venv) checks against `ckpt`.

Only NumPy and the standard library are needed (interop_common.expected_leaves).
"""
import json
import os

from interop_common import expected_leaves


class Cases:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.cases = []
        self.steps = []

    def add(self, name, path, restored, args=(), files=None):
        """`ckpt tree PATH --json --digest ARGS` must report the leaves of `restored`."""
        self.cases.append({"name": name, "path": os.path.relpath(path, self.out_dir), "args": list(args),
                           "leaves": expected_leaves(restored), "files": files or []})
        print(f"{name}: {len(self.cases[-1]['leaves'])} leaves, files {files or '-'}", flush=True)

    def add_steps(self, name, root, steps, items):
        """`ckpt steps ROOT --json` must list exactly `steps` (complete), each with `items`."""
        self.steps.append({"name": name, "root": os.path.relpath(root, self.out_dir), "steps": list(steps),
                           "items": sorted(items)})

    def write(self):
        with open(os.path.join(self.out_dir, "expected.json"), "w") as f:
            json.dump({"cases": self.cases, "steps": self.steps}, f)
