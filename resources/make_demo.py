"""Regenerates resources/demo/, the checkpoint the GUI opens on first run.

Run with the interop venv (packaging/install-deps.sh --print-venv-python):
    $(packaging/install-deps.sh --print-venv-python) resources/make_demo.py

Writes, with real Flax/Optax/Orbax and fixed seeds:
  demo/run/            an Orbax CheckpointManager root: steps 1, 2, 3 of a small CNN's TrainState
                       (params, batch_stats, optax adam state) saved with the default options
                       (OCDBT + zarr v2), plus a JSON item "metrics" per step
  demo/flax_state.msgpack  the step-3 TrainState as a legacy flax.serialization.to_bytes file
Array values are deterministic; Orbax's timestamps and OCDBT data-file names are not, so a rerun
changes those bytes but never the tree `ckpt tree --json --digest` reports.
"""
import os
import shutil
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import flax.serialization  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
import orbax.checkpoint as ocp  # noqa: E402
from flax import linen as nn  # noqa: E402
from flax.training import train_state  # noqa: E402

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo")
STEPS = 3


class DemoCNN(nn.Module):
    """Conv -> BatchNorm -> ReLU -> global average pool -> Dense -> ReLU -> Dense (10 classes)."""

    @nn.compact
    def __call__(self, x, train=False):
        x = nn.Conv(8, (3, 3), name="conv")(x)
        x = nn.BatchNorm(use_running_average=not train, name="bn")(x)
        x = nn.relu(x).mean(axis=(1, 2))
        x = nn.relu(nn.Dense(32, name="hidden")(x))
        return nn.Dense(10, name="head")(x)


class TrainState(train_state.TrainState):
    batch_stats: dict


def make_state():
    model = DemoCNN()
    images = jax.random.normal(jax.random.PRNGKey(0), (16, 8, 8, 1))
    labels = jax.random.randint(jax.random.PRNGKey(1), (16,), 0, 10)
    variables = model.init(jax.random.PRNGKey(2), images)
    state = TrainState.create(apply_fn=model.apply, params=variables["params"],
                              batch_stats=variables["batch_stats"], tx=optax.adam(3e-3))

    @jax.jit
    def train_step(state):
        def loss_fn(params):
            logits, updates = state.apply_fn({"params": params, "batch_stats": state.batch_stats},
                                             images, train=True, mutable=["batch_stats"])
            loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
            return loss, (updates, logits)

        (loss, (updates, logits)), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
        accuracy = (logits.argmax(-1) == labels).mean()
        state = state.apply_gradients(grads=grads).replace(batch_stats=updates["batch_stats"])
        return state, loss, accuracy

    return state, train_step


def main():
    if os.path.exists(DEMO):
        shutil.rmtree(DEMO)
    os.makedirs(DEMO)
    state, train_step = make_state()
    options = ocp.CheckpointManagerOptions(max_to_keep=STEPS, create=True)
    with ocp.CheckpointManager(os.path.join(DEMO, "run"), options=options,
                               item_names=("state", "metrics")) as manager:
        for step in range(1, STEPS + 1):
            state, loss, accuracy = train_step(state)
            metrics = {"loss": round(float(loss), 6), "accuracy": round(float(accuracy), 6), "step": step}
            manager.save(step, args=ocp.args.Composite(state=ocp.args.StandardSave(state),
                                                       metrics=ocp.args.JsonSave(metrics)))
        manager.wait_until_finished()
    with open(os.path.join(DEMO, "flax_state.msgpack"), "wb") as f:
        f.write(flax.serialization.to_bytes(state))
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(DEMO) for n in names)
    print(f"wrote {DEMO}: {total} bytes, final step {int(state.step)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
