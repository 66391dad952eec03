"""Argument adapters for numpy calls on Tensors: numpy's parameters in, a Tensor op out.

Each adapter takes the numpy function's name, *our* name for it (from the reviewed table in
``names``) and the call's arguments by parameter name; it translates numpy's
keywords (``axis``, ``keepdims``, ``dtype``, ``ddof``, ...) to ours and refuses, by name, any
it cannot honour (``check_extras``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ...utils.axes import normalize_axis
from .support import NotMapped, as_tensor, check_extras, function, method

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "reduction",
    "cumsum",
    "reshape",
    "ravel",
    "transpose",
    "moveaxis",
    "swapaxes",
    "squeeze",
    "expand_dims",
    "broadcast_to",
    "join",
    "where",
    "clip",
    "dot",
    "flip",
    "tile",
    "split",
    "pad",
    "take_along_axis",
    "like",
]

Adapter = Callable[[str, str, dict[str, Any]], Any]


def _given(a: Mapping[str, Any], name: str, default: Any = None) -> Any:
    value = a.get(name, default)
    return default if value is np._NoValue else value


def _first(a: Mapping[str, Any]) -> Tensor:
    """The call's first argument (numpy names it a, array, m, A, ary), as a Tensor."""
    return as_tensor(next(iter(a.values())))


def _cast(t: Tensor, dtype: Any) -> Tensor:
    """numpy's ``dtype=`` computes in that dtype: cast the input first (a Cast node)."""
    return t if dtype is None else t.astype(dtype)


def reduction(*, dtype: bool = False, ddof: bool = False) -> Adapter:
    """np.sum, mean, max, ... -> a.<ours>(axis, keepdims); var and std map ddof too.

    axis and keepdims go by keyword: numpy's meaning (``axis=()`` reduces nothing), where the
    methods' first positional arguments are torch's dim and keepdim.
    """

    def adapt(fname: str, ours: str, a: dict[str, Any]) -> Any:
        used = {"a", "axis", "keepdims"} | ({"dtype"} if dtype else set())
        kw: dict[str, Any] = {}
        if ddof:  # numpy's default is ddof=0 where torch's is correction=1: pass numpy's
            used |= {"ddof", "correction"}
            kw["correction"] = _given(a, "correction", _given(a, "ddof", 0))
        check_extras(fname, a, used)
        x = _first(a)
        x = _cast(x, _given(a, "dtype")) if dtype else x
        return method(x, ours)(axis=_given(a, "axis"), keepdims=bool(_given(a, "keepdims")), **kw)

    return adapt


def cumsum(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.cumsum(a, axis, dtype): numpy's axis=None runs over the flattened array."""
    check_extras(fname, a, {"a", "axis", "dtype"})
    x, axis = _cast(_first(a), _given(a, "dtype")), _given(a, "axis")
    if axis is None:
        x, axis = method(x, "reshape")(-1), 0
    return method(x, ours)(axis)


def reshape(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.reshape(a, shape) in C order (the only order a Tensor has)."""
    check_extras(fname, a, {"a", "shape"})
    return method(_first(a), ours)(a["shape"])


def ravel(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.ravel(a): reshape to one axis."""
    check_extras(fname, a, {"a"})
    return method(_first(a), ours)(-1)


def transpose(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.transpose(a, axes): a full permutation (None reverses the axes), as numpy's."""
    check_extras(fname, a, {"a", "axes"})
    x, axes = _first(a), _given(a, "axes")
    return method(x, ours)(tuple(range(x.ndim))[::-1] if axes is None else tuple(axes))


def moveaxis(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.moveaxis(a, source, destination) as the permutation numpy builds for it."""
    check_extras(fname, a, {"a", "source", "destination"})
    x = _first(a)
    src, dst = (
        [normalize_axis(i, x.ndim, f"numpy.{fname}") for i in np.atleast_1d(a[k]).tolist()]
        for k in ("source", "destination")
    )
    if len(src) != len(dst):
        raise ValueError(f"numpy.{fname}: source and destination need as many axes each")
    order = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return method(x, ours)(tuple(order))


def swapaxes(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.swapaxes(a, axis1, axis2)."""
    check_extras(fname, a, {"a", "axis1", "axis2"})
    return method(_first(a), ours)(a["axis1"], a["axis2"])


def squeeze(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.squeeze(a, axis): every size-1 axis when axis is None."""
    check_extras(fname, a, {"a", "axis"})
    axis = _given(a, "axis")
    return method(_first(a), ours)() if axis is None else method(_first(a), ours)(axis)


def expand_dims(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.expand_dims(a, axis): axes count in the result, so insert them in increasing order."""
    check_extras(fname, a, {"a", "axis"})
    x = _first(a)
    axes = np.atleast_1d(a["axis"]).tolist()
    out_ndim = x.ndim + len(axes)
    for ax in sorted(normalize_axis(i, out_ndim, f"numpy.{fname}") for i in axes):
        x = method(x, ours)(ax)
    return x


def broadcast_to(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.broadcast_to(array, shape)."""
    check_extras(fname, a, {"array", "shape"})
    return method(_first(a), ours)(a["shape"])


def join(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.concatenate / np.stack (arrays, axis, dtype) -> cat / stack; axis=None flattens."""
    check_extras(fname, a, {"arrays", "axis", "dtype"})
    xs = [_cast(as_tensor(x), _given(a, "dtype")) for x in a["arrays"]]
    axis = a.get("axis", 0)
    if axis is None:
        xs, axis = [method(x, "reshape")(-1) for x in xs], 0
    return function(ours)(xs, axis)


def where(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.where(condition, x, y); the one-argument form gives indices, not values."""
    if _given(a, "x") is None or _given(a, "y") is None:
        raise NotMapped("numpy.where(condition) alone gives indices, not values")
    cond = as_tensor(a["condition"])
    xs = [v if np.isscalar(v) else as_tensor(v) for v in (a["x"], a["y"])]
    return function(ours)(cond, *xs)


def clip(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.clip(a, a_min, a_max) (or min=, max=) -> clamp(min, max); either bound may be None."""
    check_extras(fname, a, {"a", "a_min", "a_max", "min", "max"})
    lo, hi = (_given(a, k, _given(a, k[2:])) for k in ("a_min", "a_max"))
    lo, hi = (v if v is None or np.isscalar(v) else as_tensor(v) for v in (lo, hi))
    return method(_first(a), ours)(min=lo, max=hi)


def dot(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.dot(a, b): matmul for 1-D and 2-D operands (where the two agree), a product for 0-D."""
    check_extras(fname, a, {"a", "b"})
    x, y = _first(a), as_tensor(a["b"])
    if x.ndim == 0 or y.ndim == 0:
        return method(x, "__mul__")(y)
    if x.ndim > 2 or y.ndim > 2:
        raise NotMapped("numpy.dot of arrays with more than 2 axes (use matmul or einsum)")
    return method(x, ours)(y)


def flip(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.flip(m, axis): every axis when axis is None."""
    check_extras(fname, a, {"m", "axis"})
    x, axis = _first(a), _given(a, "axis")
    axes = tuple(range(x.ndim)) if axis is None else tuple(np.atleast_1d(axis).tolist())
    return method(x, ours)(axes)


def tile(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.tile(A, reps) -> repeat(reps); reps shorter than A's axes count from the right."""
    check_extras(fname, a, {"A", "reps"})
    x = _first(a)
    reps = tuple(np.atleast_1d(a["reps"]).tolist())
    return method(x, ours)((1,) * (x.ndim - len(reps)) + reps)


# the axis each split variant works on (None: the axis= argument), and the fewest dimensions
_SPLIT_AXIS = {"split": None, "array_split": None, "vsplit": 0, "hsplit": 1, "dsplit": 2}
_SPLIT_MIN_NDIM = {"hsplit": 1, "vsplit": 2, "dsplit": 3}


def split(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.split / array_split / hsplit / vsplit / dsplit -> numpy's list of pieces.

    Indices mean what they mean in numpy: piece k is ``ary[i_k:i_(k+1)]`` along the axis
    (with 0 and the axis length at the ends), Python slices, so a negative index counts from
    the end and a decreasing pair gives an empty piece (pieces may then overlap; their
    gradients add up). Sections must divide the axis for split; array_split gives the first
    ``n % sections`` pieces one more element, as numpy does.
    """
    check_extras(fname, a, {"ary", "indices_or_sections", "axis"})
    x = _first(a)
    if x.ndim < _SPLIT_MIN_NDIM.get(fname, 0):
        raise ValueError(
            f"numpy.{fname} needs at least {_SPLIT_MIN_NDIM[fname]} dimensions, got {x.ndim}"
        )
    fixed = _SPLIT_AXIS[fname]
    axis = _given(a, "axis", 0) if fixed is None else fixed
    axis = 0 if fname == "hsplit" and x.ndim == 1 else axis  # numpy's 1-D hsplit
    axis = normalize_axis(axis, x.ndim, f"numpy.{fname}")
    n, cut = x.shape[axis], a["indices_or_sections"]
    if np.ndim(cut) == 0:
        k = int(cut)
        if k <= 0:
            raise ValueError(f"numpy.{fname}: the number of sections must be positive, got {k}")
        if fname != "array_split" and n % k:
            raise ValueError(f"numpy.{fname}: {k} sections do not divide an axis of {n}")
        size, extra = divmod(n, k)
        ends = list(itertools.accumulate([size + 1] * extra + [size] * (k - extra), initial=0))
        bounds = list(itertools.pairwise(ends))
    else:
        points = [0, *(int(i) for i in np.asarray(cut).ravel().tolist()), n]
        bounds = [slice(lo, hi).indices(n)[:2] for lo, hi in itertools.pairwise(points)]
    if (
        all(lo <= hi for lo, hi in bounds)
        and all(h == lo for (_, h), (lo, _) in itertools.pairwise(bounds))
        and (bounds[0][0], bounds[-1][1]) == (0, n)
    ):  # back-to-back pieces: one split op
        return list(method(x, ours)([hi - lo for lo, hi in bounds], axis))
    boxes = [[slice(None)] * x.ndim for _ in bounds]
    for box, (lo, hi) in zip(boxes, bounds, strict=True):
        box[axis] = slice(lo, max(lo, hi))
    return [x[tuple(box)] for box in boxes]


def like(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.zeros_like / ones_like / full_like(a, [fill_value], dtype) -> the same creation op."""
    check_extras(fname, a, {"a", "fill_value", "dtype"})
    fill = [a["fill_value"]] if "fill_value" in a else []
    return function(ours)(_first(a), *fill, dtype=_given(a, "dtype"))


def pad(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.pad(array, pad_width, constant_values=c) -> F.pad with torch's order of widths."""
    check_extras(fname, a, {"array", "pad_width", "mode", "kwargs"})
    x = _first(a)
    mode, extra = a.get("mode", "constant"), dict(a.get("kwargs", {}))
    value = extra.pop("constant_values", 0.0)
    if mode != "constant" or extra or np.ndim(value) != 0:
        raise NotMapped("numpy.pad with a mode other than one constant value")
    widths = np.broadcast_to(np.asarray(a["pad_width"], dtype=np.int64), (x.ndim, 2))
    flat = [int(w) for axis in reversed(range(x.ndim)) for w in widths[axis]]  # last axis first
    return function(ours)(x, flat, value=float(value))


def take_along_axis(fname: str, ours: str, a: dict[str, Any]) -> Any:
    """np.take_along_axis(arr, indices, axis) -> arr.gather(axis, indices) (same shapes only)."""
    check_extras(fname, a, {"arr", "indices", "axis"})
    x, idx, axis = _first(a), np.asarray(a["indices"]), a.get("axis", -1)
    if axis is None:  # numpy's flattened form
        x, axis = method(x, "reshape")(-1), 0
    axis = normalize_axis(axis, x.ndim, f"numpy.{fname}")
    others = [d for d in range(x.ndim) if d != axis]
    if idx.ndim != x.ndim or any(idx.shape[d] != x.shape[d] for d in others):
        raise NotMapped("numpy.take_along_axis with broadcast indices (gather needs x's shape)")
    return method(x, ours)(axis, idx)
