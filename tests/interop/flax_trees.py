"""Deterministic pytrees that exercise every corner of the Flax msgpack format."""
import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import optax
from flax import linen as nn
from flax.training import train_state

# Every dtype Flax can write: NumPy's numeric types plus every ml_dtypes type the core knows.
NUMPY_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float16", "float32", "float64", "complex64", "complex128"]
ML_DTYPES = ["bfloat16", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
             "float8_e4m3b11fnuz", "float8_e3m4", "float8_e4m3", "float8_e8m0fnu", "float6_e2m3fn",
             "float6_e3m2fn", "float4_e2m1fn", "int4", "uint4", "int2", "uint2"]
ALL_DTYPES = NUMPY_DTYPES + ML_DTYPES


def random_array(rng, dtype_name, shape):
    """Random values covering the dtype's range (integers: min..max; floats: normal * 3)."""
    dt = np.dtype(dtype_name)
    if dt == np.bool_:
        return rng.integers(0, 2, shape).astype(np.bool_)
    if dt.kind in "iu" or dtype_name in ("int4", "uint4", "int2", "uint2"):
        info = ml_dtypes.iinfo(dt) if dtype_name in ("int4", "uint4", "int2", "uint2") else np.iinfo(dt)
        return rng.integers(int(info.min), int(info.max), shape, endpoint=True, dtype=np.int64 if info.min < 0 else np.uint64).astype(dt)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    values = rng.standard_normal(shape) * 3
    if dtype_name == "float8_e8m0fnu":  # exponent-only type: positive powers of two
        values = np.abs(values) + 2.0**-10
    return values.astype(np.float32).astype(dt)


class SmallCNN(nn.Module):
    @nn.compact
    def __call__(self, x, train=False):
        x = nn.Conv(4, (3, 3))(x)
        x = nn.BatchNorm(use_running_average=not train)(x)
        x = nn.relu(x).mean(axis=(1, 2))
        x = nn.Dense(8)(x)
        return nn.Dense(3)(nn.relu(x))


class TrainState(train_state.TrainState):
    batch_stats: dict


def make_train_state(seed=0, steps=0):
    """A CNN TrainState with optax adam state and batch_stats, after `steps` real updates."""
    model = SmallCNN()
    x = jax.random.normal(jax.random.PRNGKey(seed), (2, 6, 6, 1))
    variables = model.init(jax.random.PRNGKey(seed + 1), x)
    state = TrainState.create(apply_fn=model.apply, params=variables["params"],
                              batch_stats=variables["batch_stats"], tx=optax.adam(1e-2))
    y = jnp.array([0, 2])

    @jax.jit
    def step(state):
        def loss_fn(params):
            logits, updates = state.apply_fn({"params": params, "batch_stats": state.batch_stats},
                                             x, train=True, mutable=["batch_stats"])
            return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), updates

        grads, updates = jax.grad(loss_fn, has_aux=True)(state.params)
        return state.apply_gradients(grads=grads).replace(batch_stats=updates["batch_stats"])

    for _ in range(steps):
        state = step(state)
    return state


def varied_tree(seed=1234):
    """Arrays of every dtype and many shapes, Python and NumPy scalars, strings, bytes, None,
    empty and nested containers, and a TrainState with adam state."""
    rng = np.random.default_rng(seed)
    shapes = [(), (0,), (7,), (2, 3, 4), (3, 0, 2), (1, 1, 1, 5)]
    arrays = {}
    for i, name in enumerate(ALL_DTYPES):
        arrays[name] = random_array(rng, name, shapes[i % len(shapes)])
        arrays[name + "_matrix"] = random_array(rng, name, (5, 3))
    special = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-45, 3.4e38], np.float32)
    scalars = {name: random_array(rng, name, ())[()] for name in ALL_DTYPES}
    return {
        "arrays": arrays,
        "special_floats": special,
        "fortran_order": np.asfortranarray(np.arange(24, dtype=np.int32).reshape(4, 6)),
        "jax_array": jnp.arange(10, dtype=jnp.bfloat16) / 3,
        "numpy_scalars": scalars,
        "python": {
            "int_zero": 0, "int_small": 5, "int_neg": -3, "int_u8": 200, "int_u16": 60000,
            "int_i32": -70000, "int_big": 2**63 + 5, "int_u64_max": 2**64 - 1, "int_min": -2**63,
            "float": 0.1, "float_big": 1e300, "float_neg_zero": -0.0, "float_tiny": 5e-324,
            "true": True, "false": False, "complex": 1.5 - 2.25j,
            "str": "h\u00e9llo \u2713 \U0001F600", "str_empty": "", "str_long": "x" * 300,
            "bytes": b"\x00\x01\xff", "bytes_empty": b"", "bytes_long": bytes(range(256)) * 300,
            "none": None,
        },
        "containers": {
            "empty_dict": {}, "empty_list": [], "empty_tuple": (),
            "list": [1, 2.5, "x", None, [], {}, (3, np.int8(4))],
            "tuple": (np.float32(1.5), np.int64(-7), {"deep": {"deeper": {"deepest": np.ones(2, np.uint16)}}}),
            "many_keys": {f"k{i:03d}": i for i in range(40)},
            "odd keys": {"": 1, "a/b": 2, "0": 3, "\u00fc": 4},
        },
        "train_state": make_train_state(seed=7, steps=2),
    }


def chunked_tree(seed=99):
    """Arrays that Flax splits into `__msgpack_chunked_array__` maps once MAX_CHUNK_SIZE is a few KB."""
    rng = np.random.default_rng(seed)
    return {
        "big_f32": random_array(rng, "float32", (40, 50)),   # 8000 bytes
        "big_bf16": random_array(rng, "bfloat16", (3001,)),  # odd element count, last chunk short
        "big_int4": random_array(rng, "int4", (70, 70)),     # sub-byte: 1 byte per element
        "big_c128": random_array(rng, "complex128", (3, 4, 100)),
        "exact": random_array(rng, "uint8", (4096,)),        # == MAX_CHUNK_SIZE: not chunked
        "just_over": random_array(rng, "uint8", (4097,)),    # two chunks, the last of 1 element
        "nested": {"list": [random_array(rng, "float64", (1000,)), np.zeros(3, np.float32)]},
        "small": np.arange(5, dtype=np.int16),
    }
