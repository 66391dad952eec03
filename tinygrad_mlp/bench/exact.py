"""The floor for an exact replay on numpy: the eager step's arithmetic, written by hand.

``exact_numpy_step`` does, operation for operation, what the engine's eager step does for
the seed network (``nn.MLP``, ``F.cross_entropy``, ``backward``, ``optim.SGD``): the same
matrix products in the same orientation, the same reductions, the same scaling of the
cross-entropy gradient and the same update ``p -= lr * g``. So its parameters stay bit for
bit equal to the eager step's (``tests/test_bench.py`` checks that over many steps). What it
leaves out is everything that is not arithmetic: no graph, no checks, every buffer
allocated once and written in place (``out=``), the labels turned once into flat indices
(a 1-D gather and scatter instead of ``[arange(B), y]``, which costs several microseconds
at batch 32), numpy's functions bound once, and the parameters and their gradients laid
out in one array each, so that the update is one multiplication and one subtraction
(elementwise, so the same bits as one per parameter). It is the fastest exact step on
numpy we know (an exact replay cannot change the arithmetic, and this one does nothing
else), which makes it the reference row of ``tinygrad-mlp bench``: the floor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["exact_numpy_step"]


def exact_numpy_step(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, *, folded: bool = False
) -> Callable[[], float]:
    """A step of the seed network bit for bit equal to the eager engine's, into fixed buffers.

    ``params`` are ``[W1, b1, ..., WL, bL]`` (W of shape (fan_out, fan_in)); the list's
    items are replaced by views into one array holding all of them (so that the update
    ``p -= lr * dE/dp`` is two numpy calls for all parameters, with the same bits as one
    per parameter), which every step updates in place; ``x`` is (B, N), ``y`` holds B
    integer labels. Hidden layers are ReLU, the last layer gives logits, the loss is the
    mean softmax cross-entropy:
    dE/dz = (softmax(z) - onehot(y)) / B at the output, delta_j = (delta W) * 1[z_j > 0] below.

    ``folded=True`` is *not* exact, and only here to measure the optional fast mode of
    issue 21 (``scripts/fast_mode.py``): each layer's delta is scaled by -lr before its
    weight product and bias sum, so the update is one addition over all parameters instead
    of a multiplication and a subtraction (the weight-gradient GEMM with alpha = -lr,
    beta = 1 that numpy lacks, as near as numpy gets); the gradients are then never formed.

    Example::

        >>> rng = np.random.default_rng(0)
        >>> ps = [rng.standard_normal((3, 4)), np.zeros(3), rng.standard_normal((2, 3))]
        >>> ps.append(np.zeros(2))
        >>> x, y = rng.standard_normal((5, 4)), np.array([0, 1, 0, 1, 1])
        >>> loss = exact_numpy_step(ps, x, y, 0.1)()
    """
    flat_p, views = _flat_views(params)
    params[:] = views  # the caller's list now holds views into one array (updated in place)
    flat_g, grads = _flat_views(params)  # dE/dp in the same layout, so that the update is
    upd = np.empty_like(flat_p)  # lr * g over all parameters at once (elementwise: same bits)
    weights, biases = params[0::2], params[1::2]
    batch, dtype = x.shape[0], x.dtype
    depth = len(weights)
    acts = [np.empty((batch, w.shape[0]), dtype) for w in weights]  # z, then relu(z) in place
    deltas = [np.empty((batch, w.shape[0]), dtype) for w in weights]  # dE/dz per layer
    gws, gbs = grads[0::2], grads[1::2]
    masks = [np.empty((batch, w.shape[0]), bool) for w in weights[:-1]]
    scaled = [np.empty((batch, w.shape[0]), dtype) for w in weights] if folded else deltas
    row_max = np.empty((batch, 1), dtype)
    total = np.empty((batch, 1), dtype)
    log_total = np.empty((batch, 1), dtype)
    exps = np.empty((batch, weights[-1].shape[0]), dtype)
    # y's entries as flat indices b K + y_b: a 1-D gather (take) and a 1-D scatter pick the
    # same elements as [arange(B), y], with less indexing machinery (y is fixed here)
    picks = np.ravel_multi_index((np.arange(batch), y), exps.shape)
    flat_exps, flat_d = exps.ravel(), deltas[-1].ravel()
    add, maximum = np.add.reduce, np.maximum.reduce
    matmul, multiply, greater, relu = np.matmul, np.multiply, np.greater, np.maximum
    # the engine's CrossEntropyGrad scales by float(g) / B with g = 1 in the loss's dtype
    scale = float(np.ones((), dtype)) / batch
    layers = list(zip(weights, biases, acts, strict=True))
    below = [(i, deltas[i], deltas[i + 1], weights[i + 1], acts[i], masks[i]) for i in
             range(depth - 2, -1, -1)]  # fmt: skip
    inputs = [x, *acts[:-1]]

    def step() -> float:
        a = x
        for w, b, z in layers:
            matmul(a, w.T, out=z)
            z += b
            if z is not acts[-1]:
                relu(z, 0, out=z)
            a = z
        z = acts[-1]  # logits: the fused loss, as ops.loss.CrossEntropy computes it
        maximum(z, axis=1, keepdims=True, out=row_max)
        np.subtract(z, row_max, out=exps)
        picked = flat_exps.take(picks)
        np.exp(exps, out=exps)
        add(exps, axis=1, keepdims=True, out=total)
        loss = (add(np.log(total, out=log_total), axis=None) - add(picked, axis=None)) / batch
        d = deltas[-1]
        np.divide(exps, total, out=exps)  # softmax
        multiply(exps, scale, out=d)
        flat_d[picks] -= scale
        dw = multiply(d, -lr, out=scaled[-1]) if folded else d  # folded: -lr delta
        matmul(dw.T, inputs[-1], out=gws[-1])
        add(dw, axis=0, out=gbs[-1])
        for i, d, up, w_up, a_i, mask in below:
            # (delta_{i+1} W_{i+1}) * 1[z_i > 0]; relu(z) > 0 iff z > 0
            matmul(up, w_up, out=d)
            greater(a_i, 0, out=mask)
            multiply(d, mask, out=d)
            dw = multiply(d, -lr, out=scaled[i]) if folded else d
            matmul(dw.T, inputs[i], out=gws[i])
            add(dw, axis=0, out=gbs[i])
        if folded:  # the "gradients" are -lr dE/dp already
            np.add(flat_p, flat_g, out=flat_p)
        else:
            multiply(flat_g, lr, out=upd)  # optim.SGD: p -= lr * g, for every p at once
            np.subtract(flat_p, upd, out=flat_p)  # in place, as SGD's p.data -= lr * g
        return float(loss)

    return step


def _flat_views(arrays: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """One zeroed 1-D array holding a copy of each array, as views starting on 64-byte
    boundaries (as numpy aligns its own allocations), and those views."""
    dtype = arrays[0].dtype
    step = max(1, 64 // dtype.itemsize)
    starts = np.cumsum([0] + [-(-a.size // step) * step for a in arrays])
    flat = np.zeros(int(starts[-1]), dtype)
    views = [flat[s : s + a.size].reshape(a.shape) for a, s in zip(arrays, starts, strict=False)]
    for v, a in zip(views, arrays, strict=True):
        v[...] = a
    return flat, views
