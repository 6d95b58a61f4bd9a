r"""Adaptive methods on one-example least squares, and where each optimiser lands.

Companion of :mod:`dlhw.implicit_bias` (whose trajectories it uses) for the chapter
*SGD, mini-batches and AdaGrad: who finds the minimum norm?*. Three tools:

* :func:`adagrad_example` runs AdaGrad on the example ``x_1 = [2, 1]``, ``t_1 = 2``
  from ``w_0 = 0`` in plain Python floats, one scalar operation at a time. It shares no
  code with :func:`dlhw.implicit_bias.adagrad_path` or
  :func:`dlhw.implicit_bias.two_d_adagrad`, so each witnesses the others, and it is
  fast enough (with its cache) for a falsification search that evaluates thousands of
  ``(eta, eps, k)``;
* :func:`sign_limit` is the point ``t sign(x) / ||x||_1`` where AdaGrad, RMSProp and
  Adam with ``eps = 0`` end on a problem with one example, if they converge;
* :func:`landings` runs GD, SGD, mini-batch SGD, AdaGrad, RMSProp and Adam from zero
  on one problem and reports, for each, the distance of its last iterate to the
  minimum-norm solution and to the row space of ``X``.

The loss is the one of :mod:`dlhw.implicit_bias`, ``L(w) = (1/n) ||X w - t||^2``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlhw import implicit_bias as ib
from dlhw.validation import as_int, as_positive_float, as_real, as_real_array, finite_result

FloatArray = NDArray[np.float64]

#: Largest number of steps of :func:`adagrad_example`.
MAX_EXAMPLE_STEPS = 1_000_000
#: How many ``(eta, eps)`` trajectories :func:`adagrad_example` keeps in its cache.
CACHE_SIZE = 4_096
#: The methods of :func:`landings`, in the order of its table.
METHODS = ("GD", "SGD", "mini-batch SGD", "AdaGrad", "RMSProp", "Adam")

_cache: OrderedDict[tuple[float, float], list[tuple[float, float]]] = OrderedDict()


def _ratio(numerator: float, denominator: float, eps: float, step: int) -> float:
    """``numerator / denominator`` with ``0 / 0 = 0``; a vanishing denominator is an error."""
    if denominator == 0.0:
        if numerator == 0.0:
            return 0.0
        raise ValueError(
            f"eps = {eps!r} makes sqrt(G) + eps vanish at step {step}; AdaGrad needs eps >= 0"
        )
    return numerator / denominator


def _extend(path: list[tuple[float, float]], eta: float, eps: float, steps: int) -> None:
    """Append AdaGrad iterates to ``path`` (which holds ``w_0, ...``) up to ``w_steps``."""
    w1, w2 = path[-1]
    # replay the accumulators sqrt(G_{k-1}) from the stored iterates
    root1 = root2 = 0.0
    for a, b in path[:-1]:
        r = 2.0 * a + b - 2.0
        root1, root2 = math.hypot(root1, 4.0 * r), math.hypot(root2, 2.0 * r)
    for k in range(len(path) - 1, steps):
        r = 2.0 * w1 + w2 - 2.0  # residual x_1^T w_k - t_1
        g1, g2 = 4.0 * r, 2.0 * r  # gradient 2 r x_1
        root1, root2 = math.hypot(root1, g1), math.hypot(root2, g2)
        w1 = w1 - eta * _ratio(g1, root1 + eps, eps, k)
        w2 = w2 - eta * _ratio(g2, root2 + eps, eps, k)
        if not (math.isfinite(w1) and math.isfinite(w2)):
            raise ValueError(f"eta = {eta!r} and eps = {eps!r} make AdaGrad overflow at step {k}")
        path.append((w1, w2))


def adagrad_example(eta: float, eps: float, steps: int) -> FloatArray:
    r"""Run AdaGrad on the example ``x_1 = [2, 1]``, ``t_1 = 2`` from ``w_0 = 0``.

    The loss is ``L(w) = (2 w_1 + w_2 - 2)^2`` with gradient ``g_k = 2 r_k [2, 1]``,
    ``r_k = 2 w_{k,1} + w_{k,2} - 2``. AdaGrad accumulates ``sqrt(G_k)`` coordinate by
    coordinate (``hypot`` of the previous value and ``g_k``) and steps
    ``w_{k+1} = w_k - eta g_k / (sqrt(G_k) + eps)``, with ``0 / 0 = 0``. The arithmetic
    is scalar Python, independent of :mod:`dlhw.implicit_bias`; trajectories are
    cached by ``(eta, eps)`` and extended on demand.

    The theory of the chapter needs ``0 < eta <= 2/3`` and ``eps >= 0``. Other finite
    values are accepted on purpose (a negative ``eta`` is gradient *ascent*, a negative
    ``eps`` enlarges the steps), so that the book can show those hypotheses are needed.

    Parameters
    ----------
    eta
        Step size, a finite real number.
    eps
        The constant added to ``sqrt(G_k)``, a finite real number.
    steps
        Number of steps ``k >= 0``.

    Returns
    -------
    numpy.ndarray
        The iterates ``w_0, ..., w_steps`` as rows, shape ``(steps + 1, 2)``.

    Raises
    ------
    TypeError
        If ``eta`` or ``eps`` is not a real number, or ``steps`` not an integer.
    ValueError
        If ``eta`` or ``eps`` is not finite, ``steps`` is negative or above
        :data:`MAX_EXAMPLE_STEPS`, a denominator ``sqrt(G) + eps`` vanishes (only
        possible for ``eps < 0``), or the iterates overflow.

    Examples
    --------
    With ``eps = 0`` both coordinates move by the same amount at every step:

    >>> W = adagrad_example(0.5, 0.0, 40)
    >>> bool(np.all(W[:, 0] == W[:, 1])), (3 * W[-1]).round(12)
    (True, array([2., 2.]))
    >>> adagrad_example(0.5, 1.0, 1)[1].round(6)  # [4 eta / (8 + 1), 2 eta / (4 + 1)]
    array([0.444444, 0.4     ])
    """
    rate = as_real(eta, "eta")
    floor = as_real(eps, "eps")
    count = as_int(
        steps,
        "steps",
        minimum=0,
        maximum=MAX_EXAMPLE_STEPS,
        limit_name="dlhw.adaptive.MAX_EXAMPLE_STEPS",
    )
    key = (rate, floor)
    path = _cache.get(key)
    if path is None:
        path = [(0.0, 0.0)]
    if len(path) <= count:
        _extend(path, rate, floor, count)
    _cache[key] = path
    _cache.move_to_end(key)
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return np.array(path[: count + 1], dtype=np.float64)


def sign_limit(x: ArrayLike, t: float) -> FloatArray:
    r"""Return ``t sign(x) / ||x||_1``, where adaptive methods end on one example.

    With one example ``(x, t)`` every gradient is a multiple of ``x``, so with
    ``eps = 0`` AdaGrad, RMSProp and Adam move every coordinate ``i`` with ``x_i != 0``
    by the same amount in the direction ``sign(x_i)``. If they converge to a solution
    of ``x^T w = t`` from ``w_0 = 0``, it is the point of the line
    ``{c sign(x)}`` on the hyperplane, ``t sign(x) / ||x||_1``.

    Parameters
    ----------
    x
        The example, a non-zero vector ``(d,)``.
    t
        Its label, a finite real number.

    Returns
    -------
    numpy.ndarray
        The point ``(d,)``.

    Raises
    ------
    ValueError
        If ``x`` is zero, not 1-D, or not finite, or ``t`` is not finite.
    TypeError
        If ``t`` is not a real number.

    Examples
    --------
    >>> (3 * sign_limit([2.0, 1.0], 2.0)).round(12)
    array([2., 2.])
    >>> sign_limit([1.0, -3.0, 0.0], 2.0)
    array([ 0.5, -0.5,  0. ])
    """
    vector = as_real_array(x, "x", ndim=1)
    label = as_real(t, "t")
    if vector.size == 0 or not np.any(vector):
        raise ValueError("x must be a non-zero vector (with x = 0 no point solves x^T w = t)")
    top = float(np.abs(vector).max())
    scaled = vector / top  # ||x||_1 without overflow for entries near 1e308
    result = label * np.sign(vector) / top / float(np.abs(scaled).sum())
    return finite_result(result, "x and t", "the sign limit")


@dataclass(frozen=True)
class Landing:
    """Where one optimiser ended on one problem.

    Attributes
    ----------
    method
        One of :data:`METHODS`.
    w
        The last iterate, shape ``(d,)``.
    distance
        ``||w - X^+ t||``, the distance to the minimum-norm solution.
    residual
        ``||X w - t||``, how far the last iterate is from interpolating.
    off_row_space
        The distance of ``w`` to the row space of ``X``.
    """

    method: str
    w: FloatArray
    distance: float
    residual: float
    off_row_space: float


def landings(
    X: ArrayLike,
    t: ArrayLike,
    *,
    steps: int = 4_000,
    adaptive_eta: float = 0.01,
    batch_size: int = 2,
    seed: int = 0,
) -> list[Landing]:
    r"""Run GD, SGD, mini-batch SGD, AdaGrad, RMSProp and Adam from zero; report each end.

    GD uses half its stability limit, ``eta = n / (2 lambda_max(X^T X))``; SGD and
    mini-batch SGD use ``eta = 1 / (4 max_i ||x_i||^2)``, below the limit of one row.
    The adaptive methods use ``adaptive_eta`` with ``eps = 0`` (RMSProp's
    ``rho = 0.99``, Adam's ``beta = (0.9, 0.999)``). All start at ``w_0 = 0``.

    Parameters
    ----------
    X
        Data matrix ``(n, d)``, ``n >= 2`` (mini-batches need two rows).
    t
        Labels ``(n,)``.
    steps
        Steps of every method, ``>= 1``.
    adaptive_eta
        Step size of AdaGrad, RMSProp and Adam, ``> 0``.
    batch_size
        Rows per mini-batch, ``2 <= batch_size <= n``.
    seed
        Seed of the SGD and mini-batch draws.

    Returns
    -------
    list of Landing
        One entry per method, in the order of :data:`METHODS`.

    Raises
    ------
    ValueError
        On bad shapes or values (a zero ``X``, entries of ``X`` outside
        ``[1e-100, 1e100]`` in size, ``n < 2``, a batch size outside ``2..n``), or if a
        method's iterates overflow (too large an ``adaptive_eta``).

    Examples
    --------
    >>> X, t = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), np.array([1.0, 2.0])
    >>> ends = landings(X, t, steps=3000)
    >>> [e.method for e in ends][:3], [bool(e.distance < 1e-9) for e in ends][:3]
    (['GD', 'SGD', 'mini-batch SGD'], [True, True, True])
    >>> bool(ends[3].off_row_space > 0.01)  # AdaGrad leaves the row space
    True
    """
    A = as_real_array(X, "X", ndim=2)
    b = as_real_array(t, "t", ndim=1)
    n = A.shape[0]
    if b.shape[0] != n:
        raise ValueError(f"t must have one entry per row of X ({n}), got {b.shape[0]}")
    if n < 2:
        raise ValueError(f"X must have at least 2 rows for mini-batches, got {n}")
    if not np.any(A):
        raise ValueError("X must not be zero (every method would stand still)")
    scale = float(np.abs(A).max())
    if not 1e-100 <= scale <= 1e100:
        raise ValueError(
            f"X has entries of size up to {scale:.3g}: the step sizes would leave float64; "
            "rescale X and t (their solutions do not change)"
        )
    count = as_int(steps, "steps", minimum=1)
    rate = as_positive_float(adaptive_eta, "adaptive_eta")
    size = as_int(batch_size, "batch_size", minimum=2)
    if size > n:
        raise ValueError(f"batch_size must be at most n = {n}, got {size}")
    seed_value = as_int(seed, "seed", minimum=0)
    top = float(np.linalg.norm(A, 2))
    eta_gd = n / (2.0 * top * top)
    eta_sgd = 1.0 / (4.0 * float(np.max(np.sum(A * A, axis=1))))
    ends = {
        "GD": ib.gd_path(A, b, eta_gd, count)[-1],
        "SGD": ib.sgd_path(A, b, eta_sgd, count, seed=seed_value).w[-1],
        "mini-batch SGD": ib.sgd_path(A, b, eta_sgd, count, batch_size=size, seed=seed_value).w[-1],
        "AdaGrad": ib.adagrad_path(A, b, rate, count, eps=0.0)[-1],
        "RMSProp": ib.rmsprop_path(A, b, rate, count, eps=0.0)[-1],
        "Adam": ib.adam_path(A, b, rate, count, eps=0.0)[-1],
    }
    target = ib.predicted_limit(A, b)
    for method, w in ends.items():
        if not np.all(np.isfinite(w)) or float(np.abs(w).max()) > 1e150:
            raise ValueError(
                f"adaptive_eta = {rate!r} is too large: {method} ended at a point of size "
                f"{float(np.abs(w).max()):.3g}; use a step of order one or smaller"
            )
    out = []
    for method in METHODS:
        w = ends[method]
        out.append(
            Landing(
                method=method,
                w=w,
                distance=float(np.linalg.norm(w - target)),
                residual=float(np.linalg.norm(A @ w - b)),
                off_row_space=float(ib.distance_to_row_space(A, w)),
            )
        )
    return out
