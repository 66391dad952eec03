"""No numpy path silently drops the graph (issue 17): every numpy function, conversion and
ndarray method applied to a Tensor that requires grad either returns a Tensor on the graph
with the right gradient, or raises a TypeError/RuntimeError that names the way out
(``t.detach()``). It never returns an ndarray of values whose gradient is lost.

The generator test below runs a curated list of common numpy entry points (functions that
take an array first, ufuncs, the conversions numpy does implicitly, ndarray methods and
statements that convert) on requires-grad Tensors of hypothesis-drawn shapes.

Tolerances and their reasons:
- VALUE_TOL = 1e-12: our op and numpy's function on the same float64 data are the same
  function written with other numpy calls: a few ulps (1.1e-16 each) apart.
- FD_TOL = 1e-6: central differences with eps = 1e-6 in float64 (truncation ~1e-12 |f'''|,
  round-off ~1e-16 |L| / 1e-6 ~ 1e-9 on these small inputs with values in [0.5, 2]).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor, numerical_grad
from tinygrad_mlp.tensor.numpy_interop import names
from tinygrad_mlp.testing import assert_grads_close

from . import strategies as st

VALUE_TOL = 1e-12
FD_TOL = 1e-6


def _setitem(x: Any) -> Any:
    buf = np.zeros(np.shape(x))
    buf[...] = x
    return buf


def _iadd(x: Any) -> Any:
    buf = np.zeros(np.shape(x))
    buf += x
    return buf


def _copyto(x: Any) -> Any:
    buf = np.zeros(np.shape(x))
    np.copyto(buf, x)
    return buf


def _nditer(x: Any) -> Any:
    return np.array([v.copy() for v in np.nditer(x)])


def _ndarray_dot(x: Any) -> Any:
    return np.ones((2, np.shape(x)[0])).dot(x)  # an ndarray method: numpy converts x


# name -> the call. Inputs are 2-D, values in [0.5, 2] (inside every domain used here, away
# from kinks and ties). Each entry is either mapped to an op (a Tensor must come back) or not
# (a clear refusal must come back): the test accepts both, and nothing else.
CALLS: dict[str, Callable[[Any], Any]] = {
    # ufuncs
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "square": np.square,
    "absolute": np.absolute,
    "negative": np.negative,
    "power": lambda x: np.power(x, 2.5),
    "add": lambda x: np.add(np.full(np.shape(x)[-1], 0.5), x),
    "multiply": lambda x: np.multiply(x, x),
    "maximum": lambda x: np.maximum(x, 1.0),
    "arctan2": lambda x: np.arctan2(x, 1.5),
    "hypot": lambda x: np.hypot(x, 1.5),
    "logaddexp": lambda x: np.logaddexp(x, x),
    "cbrt": np.cbrt,
    "deg2rad": np.deg2rad,
    "frompyfunc": lambda x: np.frompyfunc(lambda v: v * 2, 1, 1)(x),
    "add.outer": lambda x: np.add.outer(x, x),
    # reductions and statistics
    "sum": lambda x: np.sum(x, axis=0),
    "mean": np.mean,
    "prod": np.prod,
    "max": lambda x: np.max(x, axis=1),
    "var": np.var,
    "std": lambda x: np.std(x, axis=0),
    "cumsum": np.cumsum,
    "cumprod": np.cumprod,
    "median": np.median,
    "average": np.average,
    "ptp": np.ptp,
    "percentile": lambda x: np.percentile(x, 50),
    "quantile": lambda x: np.quantile(x, 0.3),
    "nansum": np.nansum,
    "nanmean": np.nanmean,
    "trace": np.trace,
    "diff": np.diff,
    "gradient": lambda x: np.gradient(x, axis=0),
    "sort": np.sort,
    "round": np.round,
    # shapes and joins
    "reshape": lambda x: np.reshape(x, -1),
    "ravel": np.ravel,
    "transpose": np.transpose,
    "squeeze": lambda x: np.squeeze(np.expand_dims(x, 0)),
    "moveaxis": lambda x: np.moveaxis(x, 0, 1),
    "broadcast_to": lambda x: np.broadcast_to(x, (2, *np.shape(x))),
    "concatenate": lambda x: np.concatenate([x, x], axis=1),
    "stack": lambda x: np.stack([x, x]),
    "vstack": lambda x: np.vstack([x, x]),
    "hstack": lambda x: np.hstack([x, x]),
    "split": lambda x: np.split(x, [-1], axis=1),
    "array_split": lambda x: np.array_split(x, 3, axis=0),
    "hsplit": lambda x: np.hsplit(x, [1]),
    "tile": lambda x: np.tile(x, 2),
    "repeat": lambda x: np.repeat(x, 2, axis=0),
    "pad": lambda x: np.pad(x, 1),
    "flip": np.flip,
    "fliplr": np.fliplr,
    "roll": lambda x: np.roll(x, 1),
    "rot90": np.rot90,
    "atleast_2d": np.atleast_2d,
    "append": lambda x: np.append(x, 1.0),
    "delete": lambda x: np.delete(x, 0, axis=0),
    "take": lambda x: np.take(x, [0, 0]),
    "diagonal": np.diagonal,
    "tril": np.tril,
    "where": lambda x: np.where(x > 1.0, x, 0.0),
    "clip": lambda x: np.clip(x, 0.8, 1.5),
    "copy": np.copy,
    # products and linear algebra
    "dot": lambda x: np.dot(x, np.ones(np.shape(x)[1])),
    "matmul": lambda x: np.matmul(x.T, x),
    "outer": lambda x: np.outer(x, x),
    "inner": lambda x: np.inner(x, x),
    "tensordot": lambda x: np.tensordot(x, x, axes=2),
    "einsum": lambda x: np.einsum("ij,ij->", x, x),
    "kron": lambda x: np.kron(x, x),
    "linalg.norm": np.linalg.norm,
    "linalg.svd": lambda x: np.linalg.svd(x, compute_uv=False),
    # conversions numpy makes implicitly, and statements that convert
    "asarray": np.asarray,
    "asanyarray": np.asanyarray,
    "array": np.array,
    "ascontiguousarray": np.ascontiguousarray,
    "asfortranarray": np.asfortranarray,
    "require": np.require,
    "asarray_chkfinite": np.asarray_chkfinite,
    "ma.masked_array": np.ma.masked_array,
    "nditer": _nditer,
    "vectorize": lambda x: np.vectorize(lambda v: v**3)(x),
    "arr[...] = t": _setitem,
    "arr += t": _iadd,
    "copyto": _copyto,
    "ndarray.dot": _ndarray_dot,
    "mean of a list": lambda x: np.mean([x, x]),
    "sin of a list": lambda x: np.sin([x, x]),
    "array of a list": lambda x: np.array([x, 2.0 * x]),
    "Tensor of a list": lambda x: Tensor([x, x]),  # copies through numpy: the same rule
}
if sys.version_info >= (3, 12):  # memoryview asks the class (__buffer__) from 3.12 on
    CALLS["memoryview"] = memoryview


def _pieces(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _loss(out: Any, cs: list[np.ndarray]) -> Tensor:
    total = Tensor(np.zeros(()))
    for piece, c in zip(_pieces(out), cs, strict=True):
        total = total + (piece * c).sum()
    return total


@pytest.mark.parametrize("name", CALLS)
@settings(max_examples=8)  # ~100 entries: 8 shapes each keeps the file under a minute
@given(shape=st.shapes(min_dims=2, max_dims=2, min_side=3, max_side=4), seed=st.seeds)
def test_numpy_never_returns_an_array_for_a_tensor_that_requires_grad(name, shape, seed):
    call = CALLS[name]
    data = np.random.default_rng(seed).uniform(0.5, 2.0, size=shape)
    x = Tensor(data, requires_grad=True)
    try:
        out = call(x)
    except (TypeError, RuntimeError) as exc:
        assert "detach()" in str(exc), f"{name}: the refusal names no way out: {exc}"
        return
    pieces = _pieces(out)
    leaked = [type(p).__name__ for p in pieces if not isinstance(p, Tensor)]
    assert not leaked, f"{name} returned {leaked} for a Tensor that requires grad"
    expected = _pieces(call(data.copy()))  # numpy on the plain data: the reference
    assert len(pieces) == len(expected)
    for p, e in zip(pieces, expected, strict=True):
        assert p.requires_grad, f"{name} returned a Tensor cut off from the graph"
        np.testing.assert_allclose(p.numpy(), e, rtol=VALUE_TOL, atol=VALUE_TOL)
    rng = np.random.default_rng([seed, 7])
    cs = [rng.uniform(-1.0, 1.0, size=np.shape(e)) for e in expected]
    (grad,) = tm.grad(_loss(out, cs), [x])
    (numeric,) = numerical_grad(lambda t: _loss(call(t), cs), [Tensor(data, requires_grad=True)])
    assert_grads_close(grad.numpy(), numeric, rtol=FD_TOL, atol=FD_TOL)


def test_the_generator_covers_what_the_table_maps_and_what_it_refuses():
    # a regression guard on the list itself: it holds both kinds, and every mapped name
    mapped = {n for n in CALLS if n in names.FUNCTIONS or n in names.ufunc_methods(Tensor)}
    assert len(CALLS) >= 90 and len(mapped) >= 30


@pytest.mark.parametrize("name", sorted(names.NO_GRADIENT_FUNCTIONS))
def test_functions_without_a_gradient_return_no_floating_values(name):
    x = Tensor(np.array([[3.0, 1.0], [2.0, 0.5]]), requires_grad=True)
    calls = {
        "may_share_memory": (x, x),
        "shares_memory": (x, x),
        "allclose": (x, x),
        "isclose": (x, x),
        "array_equal": (x, x),
        "array_equiv": (x, x),
    }
    out = getattr(np, name)(*calls.get(name, (x,)))
    for piece in _pieces(out):
        kind = np.asarray(piece).dtype.kind if not isinstance(piece, np.dtype) else "b"
        assert kind in "biu" or isinstance(piece, np.dtype), f"{name} gave {kind} values"


# --- the examples and the rule's edges -----------------------------------------------
def test_ndarray_dot_refuses_and_the_operator_keeps_the_gradient():
    W = np.array([[1.0, 2.0], [-1.0, -3.0]])
    x = Tensor(np.array([1.0, 1.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"W @ x"):
        x.dot(W.dot(x))  # W.dot(x) used to give an ndarray: gradient W x, not (W + W^T) x
    for wx in (W @ x, np.dot(W, x), np.matmul(W, x)):
        (g,) = tm.grad(x.dot(wx), [x])
        np.testing.assert_allclose(g.numpy(), (W + W.T) @ x.data, rtol=VALUE_TOL)


def test_vectorize_refuses_and_the_tensor_expression_keeps_the_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        x * np.vectorize(lambda v: v**2)(x)  # gave the gradient [1, 4] (x^2 held constant)
    (g,) = tm.grad((x * x**2).sum(), [x])  # written with Tensor ops: d/dx x^3 = 3 x^2
    np.testing.assert_allclose(g.numpy(), [3.0, 12.0], rtol=VALUE_TOL)


@pytest.mark.parametrize("mode", [tm.no_grad, tm.enable_grad])
def test_conversion_refuses_a_tensor_that_requires_grad_in_any_grad_mode(mode):
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    buf = np.zeros(2)
    with mode():
        for convert in (np.asarray, np.array, np.ascontiguousarray, lambda t: np.mean([t, t])):
            with pytest.raises(RuntimeError, match=r"requires grad"):
                convert(x)
        with pytest.raises(RuntimeError, match=r"requires grad"):
            buf[...] = x
    np.testing.assert_array_equal(buf, 0.0)  # nothing was written


def test_tensors_off_the_graph_convert_freely():
    plain = Tensor(np.array([1.0, 2.0]))
    with tm.no_grad():
        made = Tensor(np.array([1.0, 2.0]), requires_grad=True) * 1.0  # no graph: no grad
    for t in (plain, made, Tensor(np.array([1.0, 2.0]), requires_grad=True).detach()):
        np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])
        np.testing.assert_array_equal(np.asarray(t, dtype=np.float32), [1.0, 2.0])
        buf = np.zeros(2)
        buf[...] = t
        np.testing.assert_array_equal(buf, [1.0, 2.0])
        assert np.mean([t, t]) == pytest.approx(1.5, rel=VALUE_TOL)
        assert np.ma.masked_array(t).sum() == pytest.approx(3.0, rel=VALUE_TOL)


def test_conversion_refuses_a_tensor_carrying_a_tangent_inside_jvp():
    with pytest.raises(RuntimeError, match=r"requires grad"):
        tm.jvp(lambda t: Tensor(np.asarray(t) * 2.0), [Tensor(np.ones(2))], [np.ones(2)])


def test_buffer_protocol_follows_the_same_rule():
    # Python 3.12+ asks Tensor.__buffer__ for memoryview(t); on 3.11 memoryview refuses any
    # Tensor (no buffer) with its own TypeError, so the rule is checked on the method itself
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"memoryview.*detach\(\)"):
        x.__buffer__(0)
    assert x.detach().__buffer__(0).tolist() == [1.0, 2.0]
    with pytest.raises((TypeError, RuntimeError)):  # TypeError on 3.11, ours from 3.12
        memoryview(x)
