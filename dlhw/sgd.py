"""SGD on an interpolating least-squares problem, randomized Kaczmarz, and ridge.

The system is ``X w = y`` with ``X`` of shape ``(n, d)``, ``n <= d`` and full row rank,
so it has exact solutions; the loss is ``L(w) = ||X w - y||^2 = sum_i L_i(w)`` with
``L_i(w) = (y_i - x_i^T w)^2``. One SGD step with index ``i`` is
``w <- w - eta * grad L_i(w) = w - 2 eta (x_i^T w - y_i) x_i``.

Every step moves ``w`` along a row of ``X``, so ``w_t - w_0`` stays in the row space
and the simulations work in ``n`` coordinates instead of ``d``: with ``G = X X^T`` and
``w_t = w* + X^T e_t + p`` (``p`` the part of ``w_0`` orthogonal to the row space),
the residual is ``r_t = X w_t - y = G e_t`` and one step is
``e_i <- e_i - a_i r_i``, ``r <- r - a_i r_i G[:, i]``. This is exact, costs ``O(n)``
per trajectory and step, and all trajectories advance together as one array.

Numerical range: everything is computed for ``X / 2**e`` (``2**e`` the power of two
just above ``max |X|``, an exact scaling) with the step ``eta 4**e`` and the point
``w 2**e``, which is the same problem; so ``X`` of size ``1e±200`` works, and a result
that itself leaves float64 raises ``ValueError`` instead of returning ``inf`` or ``0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg

from dlhw.validation import (
    as_choice,
    as_generator,
    as_int,
    as_positive_float,
    as_real_array,
    check_size,
    finite_run,
    rescale,
    scale_exponent,
    times_power_of_two,
)

FloatArray = NDArray[np.float64]

#: Steps whose random indices are drawn at once (bounds the memory of a simulation).
CHUNK = 512
#: Most steps a simulation or an exact curve runs (raise it to run longer).
MAX_STEPS = 10**5
#: The most elementary updates one simulation may make, ``steps * runs * n``
#: (``* d`` for ridge SGD).
MAX_WORK = 10**10
#: Largest array (entries) a function here builds.
MAX_ENTRIES = 2**25
#: Largest second-moment operator ``T`` (``n² × n²``, so ``n <= 45``) for the exact rates.
MAX_OPERATOR_ENTRIES = 2**22


# --------------------------------------------------------------------------- input


def _scaled(A: FloatArray) -> tuple[FloatArray, int]:
    """Return ``A / 2**e`` (entries in ``(-1, 1)``, exact) and ``e``."""
    e = scale_exponent(A)
    return np.ldexp(A, -e), e


def _system(X: ArrayLike, y: ArrayLike | None = None) -> tuple[FloatArray, FloatArray | None]:
    """Validate a wide, full-row-rank ``X`` (and ``y`` of matching length)."""
    A = as_real_array(X, "X", ndim=2)
    n, d = A.shape
    if n > d:
        raise ValueError(f"X must be wide (n <= d) to interpolate, got a tall X of shape {A.shape}")
    rank = int(np.linalg.matrix_rank(_scaled(A)[0]))  # the rank test is scale-free
    if rank < n:
        raise ValueError(
            f"X must have full row rank, got rank {rank} < {n} rows (rank-deficient X)"
        )
    if y is None:
        return A, None
    b = as_real_array(y, "y", ndim=1)
    if b.shape[0] != n:
        raise ValueError(f"y must have one entry per row of X ({n}), got {b.shape[0]}")
    return A, b


def _wide_problem(X: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate a wide, full-row-rank ``X`` and a ``y`` (required) of matching length."""
    A, b = _system(X, y)
    if b is None:  # y=None given explicitly
        raise TypeError("y must be an array of numbers, got NoneType")
    return A, b


def _points(w: ArrayLike, d: int, name: str) -> FloatArray:
    """Validate one point ``(d,)`` or a stack of points ``(m, d)``."""
    W = as_real_array(w, name)
    if W.ndim not in (1, 2) or W.shape[-1] != d:
        raise ValueError(f"{name} must have shape ({d},) or (m, {d}), got {W.shape}")
    return W


# ------------------------------------------------------------------ closed forms


def min_norm_solution(X: ArrayLike, y: ArrayLike) -> FloatArray:
    """Return the minimum-norm solution ``w* = X^T (X X^T)^{-1} y`` of ``X w = y``.

    Parameters
    ----------
    X
        Wide ``(n, d)`` matrix, ``n <= d``, of full row rank ``n``.
    y
        Right-hand side, shape ``(n,)``.

    Returns
    -------
    numpy.ndarray
        ``w*``, shape ``(d,)``: it solves ``X w = y`` and lies in the row space of ``X``.

    Raises
    ------
    ValueError
        If ``X`` is tall or rank-deficient (the message says which), or the shapes
        do not match, or an entry is NaN or infinite, or ``w*`` leaves float64.

    Examples
    --------
    >>> min_norm_solution([[1.0, 1.0]], [2.0])
    array([1., 1.])
    >>> min_norm_solution(1e200 * np.eye(2), [1.0, 2.0])
    array([1.e-200, 2.e-200])
    >>> min_norm_solution([[1.0], [2.0]], [1.0, 2.0])
    Traceback (most recent call last):
    ...
    ValueError: X must be wide (n <= d) to interpolate, got a tall X of shape (2, 1)
    """
    A, b = _wide_problem(X, y)
    As, e = _scaled(A)
    f = scale_exponent(b)
    w = As.T @ np.linalg.solve(As @ As.T, np.ldexp(b, -f))
    return rescale(w, f - e, "X and y", "the min-norm solution w*")


@dataclass(frozen=True)
class LyapunovConstants:
    """The constants of the Lyapunov argument for SGD on ``X w = y``.

    Attributes
    ----------
    n
        Number of rows (equations).
    sigma_min, sigma_max
        Smallest and largest singular value of ``X`` (the ``n`` non-zero ones).
    beta
        Largest row norm ``max_i ||x_i||``.
    c1, c2
        ``4 sigma_min^2 / n`` and ``4 sigma_max^2 beta^2 / n``.
    eta_max
        ``c1 / c2``: the bound ``1 - c1 eta + c2 eta^2`` is below 1 exactly for
        ``0 < eta < eta_max``.
    eta_best
        ``c1 / (2 c2)``, the step that minimises the bound.
    factor_best
        The bound at ``eta_best``: ``1 - c1^2 / (4 c2)``.
    """

    n: int
    sigma_min: float
    sigma_max: float
    beta: float
    c1: float
    c2: float
    eta_max: float
    eta_best: float
    factor_best: float

    def factor(self, eta: float) -> float:
        """Return the proved per-step factor ``1 - c1 eta + c2 eta^2`` at step ``eta``.

        Parameters
        ----------
        eta
            Step size, ``> 0``.

        Returns
        -------
        float
            The factor (below 1 exactly for ``0 < eta < eta_max``).

        Raises
        ------
        TypeError, ValueError
            For a bad ``eta``, or a factor beyond float64.

        Examples
        --------
        >>> lyapunov_constants([[1.0, 0.0], [0.0, 1.0]]).factor(0.5)
        0.5
        """
        step = as_positive_float(eta, "eta")
        with np.errstate(over="ignore"):
            value = 1.0 - self.c1 * step + self.c2 * np.float64(step) ** 2
        if not math.isfinite(value):
            raise ValueError(f"eta={eta!r} is too large: c2 · eta² overflows float64")
        return float(value)


def lyapunov_constants(X: ArrayLike) -> LyapunovConstants:
    """Compute ``c1 = 4 sigma_min^2 / n``, ``c2 = 4 sigma_max^2 beta^2 / n`` and the steps.

    Parameters
    ----------
    X
        Wide ``(n, d)`` matrix of full row rank.

    Returns
    -------
    LyapunovConstants
        Singular values, largest row norm, ``c1``, ``c2`` and the admissible steps.

    Raises
    ------
    ValueError
        For a bad ``X``, or constants beyond float64 (``c2`` grows like ``X⁴``).

    Examples
    --------
    >>> k = lyapunov_constants([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    >>> k.sigma_min, k.sigma_max, k.beta, k.c1, k.c2
    (1.0, 2.0, 2.0, 2.0, 32.0)
    >>> k.eta_max, k.eta_best, k.factor_best
    (0.0625, 0.03125, 0.96875)
    """
    A, _ = _system(X)
    n = A.shape[0]
    As, e = _scaled(A)  # constants of X / 2**e; c1 scales like 4**e, c2 like 16**e
    sigma = np.linalg.svd(As, compute_uv=False)
    smin, smax = float(sigma.min()), float(sigma.max())
    beta = float(np.sqrt((As * As).sum(axis=1).max()))
    c1 = 4.0 * smin**2 / n
    c2 = 4.0 * smax**2 * beta**2 / n

    def back(value: float, power: int, what: str) -> float:
        return float(rescale(value, power * e, "X", what))

    return LyapunovConstants(
        n=n,
        sigma_min=back(smin, 1, "sigma_min"),
        sigma_max=back(smax, 1, "sigma_max"),
        beta=back(beta, 1, "the largest row norm beta"),
        c1=back(c1, 2, "c1 = 4 sigma_min² / n"),
        c2=back(c2, 4, "c2 = 4 sigma_max² beta² / n"),
        eta_max=back(c1 / c2, -2, "eta_max = c1 / c2"),
        eta_best=back(c1 / (2.0 * c2), -2, "eta_best = c1 / (2 c2)"),
        factor_best=1.0 - c1**2 / (4.0 * c2),
    )


def expected_lyapunov_ratio(
    X: ArrayLike, w: ArrayLike, eta: float, *, y: ArrayLike | None = None
) -> FloatArray:
    """Exact ``E[L(w_{t+1}) | w_t = w] / L(w)`` for one SGD step, averaged over all rows.

    ``L(w) = ||X w - y||^2``. Without ``y`` the system is the shifted one, ``X w' = 0``
    (``w`` is then ``w_t - w*``). The expectation over the uniformly random index is
    computed exactly, as the average of the ``n`` possible next losses.

    Parameters
    ----------
    X
        Wide ``(n, d)`` matrix of full row rank.
    w
        One point ``(d,)`` or a stack ``(m, d)``; ``L(w)`` must be positive.
    eta
        Step size, ``> 0``.
    y
        Right-hand side ``(n,)``; zero if omitted.

    Returns
    -------
    numpy.ndarray
        The ratio, shape ``()`` for one point or ``(m,)`` for a stack.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, a stack larger than :data:`MAX_ENTRIES` allows, or a ratio
        beyond float64.

    Examples
    --------
    >>> X = np.eye(2)
    >>> float(expected_lyapunov_ratio(X, [1.0, 1.0], 0.5))
    0.5
    >>> expected_lyapunov_ratio(X, [1.0, 1.0], -0.1)
    Traceback (most recent call last):
    ...
    ValueError: eta must be a finite number > 0, got -0.1
    """
    A, b = _system(X, y)
    n = A.shape[0]
    if b is None:
        b = np.zeros(n)
    W = _points(w, A.shape[1], "w")
    step = as_positive_float(eta, "eta")
    points = W.shape[0] if W.ndim == 2 else 1
    check_size(
        points * n * n,
        MAX_ENTRIES,
        f"w holds {points} points: the n next residuals of each need {points * n * n} entries",
        limit_name="dlhw.sgd.MAX_ENTRIES",
    )
    As, e = _scaled(A)
    G = As @ As.T  # X Xᵀ / 4**e
    with np.errstate(over="ignore", invalid="ignore"):
        r = W @ A.T - b  # (..., n) residuals
    if not np.all(np.isfinite(r)):
        raise ValueError("w is too large for this X: the residual Xw − y overflows float64")
    # The ratio does not change when r is scaled: bring each residual to size ~1 exactly.
    top = np.frexp(np.abs(r).max(axis=-1, keepdims=True))[1]
    r = np.ldexp(r, -top)
    loss = (r * r).sum(axis=-1)
    if np.any(loss <= 0):
        raise ValueError("w must not solve the system: L(w) = 0 has no ratio")
    two_step = times_power_of_two(2.0 * step, 2 * e, "eta", "eta · X Xᵀ")
    # Next residual for index i: r - 2 eta r_i G[:, i]; shape (..., i, n).
    with np.errstate(over="ignore", invalid="ignore"):
        nxt = r[..., None, :] - two_step * r[..., :, None] * G
        expected = (nxt * nxt).sum(axis=-1).mean(axis=-1)
    ratio = np.asarray(expected / loss)
    if not np.all(np.isfinite(ratio)):
        raise ValueError(f"eta={eta!r} is too large: the expected ratio overflows float64")
    return ratio


# --------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class SGDRun:
    """Recorded losses and distances of many independent trajectories.

    Attributes
    ----------
    t
        Recorded step numbers, shape ``(m,)`` (``0, every, 2 every, ...``).
    loss
        ``L(w_t) = ||X w_t - y||^2``, shape ``(runs, m)``: row ``k`` is trajectory ``k``.
    distance
        ``||w_t - w*||^2`` with ``w*`` the min-norm solution, shape ``(runs, m)``.
    w
        The final iterates, shape ``(runs, d)``.
    """

    t: NDArray[np.int64]
    loss: FloatArray
    distance: FloatArray
    w: FloatArray


def _indices_from(
    indices: ArrayLike, steps: int, runs: int, n: int
) -> Callable[[int, int], NDArray[np.intp]]:
    if isinstance(indices, str | bytes | np.ma.MaskedArray):
        raise TypeError(f"indices must be an integer array, got {type(indices).__name__}")
    try:
        array = np.asarray(indices)
    except (ValueError, TypeError, OverflowError) as err:
        raise ValueError(f"indices must be a rectangular integer array: {err}") from None
    if array.dtype.kind not in "iu" or array.shape != (steps, runs):
        raise ValueError(
            f"indices must be an integer array of shape (steps, runs) = ({steps}, {runs}),"
            f" got dtype {array.dtype} and shape {array.shape}"
        )
    if array.size and (array.min() < 0 or array.max() >= n):
        raise ValueError(f"indices must lie in 0..{n - 1}")
    fixed = array.astype(np.intp)
    return lambda start, stop: fixed[start:stop]


def _random_indices(
    rng: np.random.Generator, runs: int, n: int, probabilities: FloatArray | None
) -> Callable[[int, int], NDArray[np.intp]]:
    def draw(start: int, stop: int) -> NDArray[np.intp]:
        size = (stop - start, runs)
        if probabilities is None:
            return rng.integers(0, n, size=size).astype(np.intp)
        return rng.choice(n, size=size, p=probabilities).astype(np.intp)

    return draw


def _simulate(
    A: FloatArray,
    scale: int,
    b: FloatArray,
    row_steps: FloatArray,
    *,
    steps: int,
    runs: int,
    every: int,
    w0: ArrayLike | None,
    draw: Callable[[int, int], NDArray[np.intp]],
    cause: str,
) -> SGDRun:
    """Advance all trajectories together: ``w <- w - a_i (x_i^T w - y_i) x_i``.

    ``A`` is ``X / 2**scale`` and ``row_steps`` are the steps ``a_i 4**scale`` for it;
    the run starts from ``w0 2**scale``. That is the same iteration, exactly, as the
    one on ``X``, whatever the size of ``X``; the results are scaled back at the end.
    """
    n, d = A.shape
    start = np.zeros(d) if w0 is None else _points(w0, d, "w0")
    if start.ndim == 2 and start.shape[0] != runs:
        raise ValueError(f"w0 must have shape ({d},) or ({runs}, {d}), got {start.shape}")
    recorded = np.arange(0, steps + 1, every)
    check_size(
        runs * (2 * d + 3 * n + CHUNK) + 2 * recorded.size * runs,
        MAX_ENTRIES,
        f"runs={runs} with steps={steps} and every={every} needs "
        f"{runs * (2 * d + 3 * n + CHUNK) + 2 * recorded.size * runs} entries",
        limit_name="dlhw.sgd.MAX_ENTRIES",
    )
    with np.errstate(over="ignore", invalid="ignore"):
        start = np.ldexp(start, scale)
        W0 = np.broadcast_to(start, (runs, d))
        r = W0 @ A.T - b  # residual, = G e
        initial = (r * r).sum(axis=1)
    if not np.all(np.isfinite(initial)):
        raise ValueError("w0 and y are too large: the initial loss ‖Xw0 − y‖² overflows float64")
    G = A @ A.T
    coef0 = np.linalg.solve(G, A @ W0.T).T  # row-space coordinates of w0
    perp = W0 - coef0 @ A  # the part of w0 that never moves
    perp2 = (perp * perp).sum(axis=1)
    c_star = np.linalg.solve(G, b)
    e = coef0 - c_star  # w - w* = X^T e + perp
    rows = np.arange(runs)
    loss = np.empty((recorded.size, runs))
    dist = np.empty((recorded.size, runs))
    loss[0] = (r * r).sum(axis=1)
    dist[0] = perp2 + (e * r).sum(axis=1)
    slot = 1
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is refused below
        for begin in range(0, steps, CHUNK):
            idx = draw(begin, min(begin + CHUNK, steps))
            for k, i in enumerate(idx):
                delta = row_steps[i] * r[rows, i]
                e[rows, i] -= delta
                r -= delta[:, None] * G[i]
                if (begin + k + 1) % every == 0:
                    loss[slot] = np.einsum("ij,ij->i", r, r)
                    dist[slot] = perp2 + np.einsum("ij,ij->i", e, r)
                    slot += 1
    w = (e + c_star) @ A + perp
    finite_run(loss, recorded, "the losses", cause)
    distance = _unscaled_curves(dist, -2 * scale, "the distances ‖w_t − w*‖²", cause, recorded)
    with np.errstate(over="ignore", under="ignore"):
        w = np.ldexp(w, -scale)
    return SGDRun(t=recorded, loss=loss.T.copy(), distance=distance, w=w)


def _unscaled_curves(
    values: FloatArray, exponent: int, what: str, cause: str, steps: NDArray[np.int_]
) -> FloatArray:
    """``values * 2**exponent`` for curves with one row per recorded step in ``steps``.

    The values at ``t = 0`` must be within the float64 range (otherwise ``ValueError``);
    later values follow the dynamics and may underflow (convergence), but an overflow
    (divergence) is refused with ``cause``. The result has the steps on the last axis.
    """
    rescale(values[0], exponent, "X or y", f"{what} at t = 0")
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        result = np.asarray(np.ldexp(values, exponent), dtype=np.float64)
    finite_run(result, steps, what, cause)
    return result.T.copy()


def _run_args(steps: object, runs: object, every: object, n: int) -> tuple[int, int, int]:
    total = as_int(steps, "steps", minimum=0, maximum=MAX_STEPS, limit_name="dlhw.sgd.MAX_STEPS")
    count = as_int(runs, "runs", minimum=1)
    stride = min(as_int(every, "every", minimum=1), total + 1)  # a larger one records t = 0
    check_size(
        total * count * n,
        MAX_WORK,
        f"steps={total} with runs={count} on n = {n} needs steps · runs · n = "
        f"{total * count * n} updates",
        limit_name="dlhw.sgd.MAX_WORK",
    )
    return total, count, stride


def run_sgd(
    X: ArrayLike,
    y: ArrayLike,
    eta: float,
    steps: int,
    *,
    runs: int = 1,
    seed: int | np.random.Generator | None = None,
    w0: ArrayLike | None = None,
    every: int = 1,
    indices: ArrayLike | None = None,
) -> SGDRun:
    """Run ``runs`` independent SGD trajectories on ``L(w) = ||X w - y||^2`` at once.

    Step: ``w_{t+1} = w_t - 2 eta (x_I^T w_t - y_I) x_I`` with ``I`` uniform on the rows,
    drawn independently for every step and trajectory. All trajectories advance
    together as one array (no loop over runs); the cost per step is ``O(runs * n)``.

    Parameters
    ----------
    X
        Wide ``(n, d)`` matrix of full row rank.
    y
        Right-hand side ``(n,)``.
    eta
        Constant step size, ``> 0``.
    steps
        Number of steps, ``>= 0``.
    runs
        Number of independent trajectories.
    seed
        Seed or generator of the random indices.
    w0
        Start ``(d,)`` or one start per run ``(runs, d)``; zero by default.
    every
        Record the loss and distance every ``every`` steps.
    indices
        Optional integer array ``(steps, runs)`` of the indices to use instead of
        random ones (to replay a trajectory).

    Returns
    -------
    SGDRun
        ``t`` of shape ``(m,)`` with ``m = steps // every + 1``; ``loss`` and
        ``distance`` of shape ``(runs, m)``; final iterates ``w`` of shape
        ``(runs, d)``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments; for sizes beyond :data:`MAX_STEPS`, :data:`MAX_WORK`
        (``steps · runs · n``) or :data:`MAX_ENTRIES`; for a step so large that
        ``eta X Xᵀ`` overflows; or an initial loss beyond float64. A step that makes
        the iteration diverge is not refused: the losses then grow and may overflow.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    >>> out = run_sgd(X, [1.0, 2.0], 0.1, 200, runs=3, seed=0)
    >>> out.loss.shape, out.w.shape
    ((3, 201), (3, 3))
    >>> bool(np.allclose(out.w, min_norm_solution(X, [1.0, 2.0])))
    True
    >>> run_sgd(X, [1.0, 2.0], 0.1, 10, runs=0)
    Traceback (most recent call last):
    ...
    ValueError: runs must be >= 1, got 0
    """
    A, b = _wide_problem(X, y)
    step = as_positive_float(eta, "eta")
    n = A.shape[0]
    total, count, stride = _run_args(steps, runs, every, n)
    draw = (
        _random_indices(as_generator(seed), count, n, None)
        if indices is None
        else _indices_from(indices, total, count, n)
    )
    As, e = _scaled(A)
    row_steps = np.full(n, times_power_of_two(2.0 * step, 2 * e, "eta", "eta · X Xᵀ"))
    cause = f"eta={step!r} is too large (SGD diverges), or y or w0 is too large"
    return _simulate(
        As, e, b, row_steps, steps=total, runs=count, every=stride, w0=w0, draw=draw, cause=cause
    )


def run_kaczmarz(
    X: ArrayLike,
    y: ArrayLike,
    steps: int,
    *,
    runs: int = 1,
    seed: int | np.random.Generator | None = None,
    w0: ArrayLike | None = None,
    every: int = 1,
) -> SGDRun:
    """Randomized Kaczmarz (Strohmer and Vershynin): project onto a row's hyperplane.

    Step: ``w_{t+1} = w_t - (x_I^T w_t - y_I) / ||x_I||^2 x_I`` with
    ``P(I = i) = ||x_i||^2 / ||X||_F^2``. This is SGD with the row-dependent step
    ``eta_i = 1 / (2 ||x_i||^2)`` and importance sampling.

    Parameters
    ----------
    X, y, steps, runs, seed, w0, every
        As in :func:`run_sgd`.

    Returns
    -------
    SGDRun
        As in :func:`run_sgd`.

    Raises
    ------
    TypeError, ValueError
        As in :func:`run_sgd`.

    Examples
    --------
    >>> out = run_kaczmarz(np.eye(2), [1.0, 2.0], 50, runs=2, seed=1)
    >>> out.w.round(6)
    array([[1., 2.],
           [1., 2.]])
    """
    A, b = _wide_problem(X, y)
    total, count, stride = _run_args(steps, runs, every, A.shape[0])
    As, e = _scaled(A)
    norms2 = (As * As).sum(axis=1)  # ‖x_i‖² / 4**e: the probabilities are scale-free
    draw = _random_indices(as_generator(seed), count, A.shape[0], norms2 / norms2.sum())
    return _simulate(
        As,
        e,
        b,
        1.0 / norms2,
        steps=total,
        runs=count,
        every=stride,
        w0=w0,
        draw=draw,
        cause="y or w0 is too large",
    )


# ------------------------------------------------------------ exact mean squares


def _row_rule(
    A: FloatArray, scale: int, eta: object, method: object
) -> tuple[FloatArray, FloatArray]:
    """Per-row step ``a_i 4**scale`` (for ``A = X / 2**scale``) and probability ``p_i``."""
    kind = as_choice(method, "method", ("sgd", "kaczmarz"))
    if eta is None and kind == "sgd":
        raise TypeError("eta is required for method='sgd'")
    step = None if eta is None else as_positive_float(eta, "eta")
    n = A.shape[0]
    if kind == "sgd" and step is not None:
        return np.full(n, times_power_of_two(2.0 * step, 2 * scale, "eta", "eta · X Xᵀ")), np.full(
            n, 1.0 / n
        )
    norms2 = (A * A).sum(axis=1)
    return 1.0 / norms2, norms2 / norms2.sum()


def _operator_size(n: int) -> None:
    check_size(
        n**4,
        MAX_OPERATOR_ENTRIES,
        f"X has n = {n} rows: the second-moment operator (n² × n²) needs {n**4} entries",
        limit_name="dlhw.sgd.MAX_OPERATOR_ENTRIES",
    )


def _second_moment_operator(A: FloatArray, a: FloatArray, p: FloatArray) -> FloatArray:
    """``T`` with ``vec(E[r' r'^T]) = T vec(r r^T)`` for one step (``r`` the residual)."""
    n = A.shape[0]
    G = A @ A.T
    T = np.zeros((n * n, n * n))
    for i in range(n):
        Q = np.eye(n)
        Q[:, i] -= a[i] * G[:, i]
        T += p[i] * np.kron(Q, Q)
    return T


def mean_square_rate(
    X: ArrayLike,
    eta: float | None = None,
    *,
    method: Literal["sgd", "kaczmarz"] = "sgd",
) -> float:
    """Exact asymptotic per-step factor of ``E[L(w_t)]`` (and of ``E||w_t - w*||^2``).

    The second moment ``E[r_t r_t^T]`` of the residual evolves by a linear map ``T``
    on ``n x n`` matrices (an exact average over the rows); the expected loss decays
    like ``rho(T)^t``, with ``rho`` the spectral radius.

    Parameters
    ----------
    X
        Wide ``(n, d)`` matrix of full row rank; ``T`` has ``n⁴`` entries, at most
        :data:`MAX_OPERATOR_ENTRIES`.
    eta
        Step size of SGD, ``> 0``; required for SGD, not used by Kaczmarz (but checked
        if given).
    method
        ``"sgd"`` (uniform rows, step ``eta``) or ``"kaczmarz"`` (rows by squared
        norm, projection step).

    Returns
    -------
    float
        ``rho(T)``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments or an ``X`` with too many rows.

    Examples
    --------
    >>> round(mean_square_rate(np.eye(2), 0.5), 12)
    0.5
    >>> round(mean_square_rate(np.eye(2), method="kaczmarz"), 12)
    0.5
    """
    A, _ = _system(X)
    n = A.shape[0]
    As, e = _scaled(A)
    a, p = _row_rule(As, e, eta, method)
    _operator_size(n)
    # In the coordinates w~ = C^{-1} r with C C^T = X X^T the map is symmetric:
    # w~ <- (I - a_i c_i c_i^T) w~ with c_i the rows of C, so T is symmetric too and
    # similar to the map of the residuals.
    C = np.linalg.cholesky(As @ As.T)
    T = np.zeros((n * n, n * n))
    for i in range(n):
        P = np.eye(n) - a[i] * np.outer(C[i], C[i])
        T += p[i] * np.kron(P, P)
    if not np.all(np.isfinite(T)):
        raise ValueError(f"eta={eta!r} is too large: the operator T overflows float64")
    # LAPACK's relatively robust representations (driver "evr") are fast here and, unlike
    # the divide-and-conquer default, do not slow down when the cores are busy.
    eigenvalues = linalg.eigh(T, eigvals_only=True, driver="evr")
    return float(np.abs(eigenvalues).max())


def expected_curves(
    X: ArrayLike,
    y: ArrayLike,
    steps: int,
    eta: float | None = None,
    *,
    method: Literal["sgd", "kaczmarz"] = "sgd",
) -> tuple[FloatArray, FloatArray]:
    """Exact ``E[L(w_t)]`` and ``E||w_t - w*||^2`` for ``t = 0..steps`` from ``w_0 = 0``.

    Parameters
    ----------
    X, y
        The system (``X`` wide, full row rank).
    steps
        Number of steps, ``0 <= steps <=`` :data:`MAX_STEPS`, with ``steps · n⁴`` at
        most :data:`MAX_WORK`.
    eta
        Step size of SGD (not used by Kaczmarz), as in :func:`mean_square_rate`.
    method
        ``"sgd"`` or ``"kaczmarz"``, as in :func:`mean_square_rate`.

    Returns
    -------
    tuple of numpy.ndarray
        The expected losses and expected squared distances, each of shape
        ``(steps + 1,)``. Values at ``t = 0`` are within float64 (else ``ValueError``);
        later ones may overflow for a divergent step or underflow to ``0``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments or sizes.

    Examples
    --------
    >>> loss, dist = expected_curves(np.eye(2), [1.0, 1.0], 2, 0.5)
    >>> loss
    array([2. , 1. , 0.5])
    """
    A, b = _wide_problem(X, y)
    n = A.shape[0]
    total = as_int(steps, "steps", minimum=0, maximum=MAX_STEPS, limit_name="dlhw.sgd.MAX_STEPS")
    As, e = _scaled(A)
    a, p = _row_rule(As, e, eta, method)
    _operator_size(n)
    check_size(
        total * n**4,
        MAX_WORK,
        f"steps={total} on n = {n} rows needs steps · n⁴ = {total * n**4} multiplications",
        limit_name="dlhw.sgd.MAX_WORK",
    )
    T = _second_moment_operator(As, a, p)
    Ginv = np.linalg.inv(As @ As.T)  # (X X^T)^{-1} 4**e
    f = scale_exponent(b)
    bs = np.ldexp(b, -f)
    M = np.outer(bs, bs).ravel()  # residual at w_0 = 0 is -y (here scaled by 2**-f)
    loss, dist = np.empty(total + 1), np.empty(total + 1)
    times = np.arange(total + 1)
    cause = f"eta={eta!r} is too large (SGD diverges in mean square)"
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(total + 1):
            square = M.reshape(n, n)
            loss[t] = np.trace(square)
            dist[t] = float((Ginv * square).sum())  # E r^T G^{-1} r
            M = T @ M
    return (
        _unscaled_curves(loss, 2 * f, "the expected losses E L(w_t)", cause, times),
        _unscaled_curves(dist, 2 * f - 2 * e, "the expected distances E‖w_t − w*‖²", cause, times),
    )


def kaczmarz_rate(X: ArrayLike) -> float:
    """Strohmer and Vershynin's per-step factor ``1 - 1 / kappa_F^2``.

    ``kappa_F = ||X||_F ||X^+||_2 = ||X||_F / sigma_min``; the bound is
    ``E||w_k - w*||^2 <= (1 - 1 / kappa_F^2)^k ||w_0 - w*||^2``.

    Parameters
    ----------
    X
        Wide ``(n, d)`` matrix of full row rank.

    Returns
    -------
    float
        ``1 - sigma_min² / ||X||_F²`` (scale-free).

    Raises
    ------
    TypeError, ValueError
        For a bad ``X``.

    Examples
    --------
    >>> kaczmarz_rate(np.eye(4))
    0.75
    >>> kaczmarz_rate(1e-200 * np.eye(4))
    0.75
    """
    A, _ = _system(X)
    As, _ = _scaled(A)
    smin = float(np.linalg.svd(As, compute_uv=False).min())
    return 1.0 - smin**2 / float((As * As).sum())


# -------------------------------------------------------------------------- ridge


def _ridge_args(X: ArrayLike, y: ArrayLike, lam: float) -> tuple[FloatArray, FloatArray, float]:
    A = as_real_array(X, "X", ndim=2)
    b = as_real_array(y, "y", ndim=1)
    if b.shape[0] != A.shape[0]:
        raise ValueError(f"y must have one entry per row of X ({A.shape[0]}), got {b.shape[0]}")
    return A, b, as_positive_float(lam, "lam")


def _scaled_lam(lam: float, scale: int) -> float:
    """``lam / 4**scale``: the ridge strength for ``X / 2**scale``; refuse if it is lost."""
    with np.errstate(over="ignore", under="ignore"):
        value = float(np.ldexp(lam, -2 * scale))
    if not np.finfo(np.float64).tiny <= value < np.inf:
        side = "small" if value < 1 else "large"
        raise ValueError(
            f"lam={lam!r} is too {side} next to XᵀX (X has entries of about 2^{scale}): "
            "their ratio leaves float64; rescale X or lam"
        )
    return value


def _check_conditioning(As: FloatArray, lam_s: float) -> None:
    """Refuse ``XᵀX + lam I`` too ill-conditioned for its solution to mean anything."""
    sigma = np.linalg.svd(As, compute_uv=False)
    smallest = float(sigma.min()) if As.shape[0] >= As.shape[1] else 0.0
    condition = (float(sigma.max()) ** 2 + lam_s) / (smallest**2 + lam_s)
    if condition * np.finfo(np.float64).eps >= 0.01:
        raise ValueError(
            f"lam is too small for this X: XᵀX + lam I has condition number {condition:.3g}, "
            "so its solution would not be accurate to 1% (condition · ε must be < 0.01); "
            "use a larger lam"
        )


def ridge_solution(X: ArrayLike, y: ArrayLike, lam: float) -> FloatArray:
    """Return the ridge estimate ``(X^T X + lam I)^{-1} X^T y`` (any ``X``, ``lam > 0``).

    Parameters
    ----------
    X
        Data ``(n, d)``.
    y
        Targets ``(n,)``.
    lam
        Regularisation strength, ``> 0``.

    Returns
    -------
    numpy.ndarray
        The estimate, shape ``(d,)``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments; if ``X^T X + lam I`` is too ill-conditioned for a solution
        accurate to 1% (``lam`` tiny next to ``X^T X`` and ``X`` rank-deficient); or if
        the estimate leaves float64.

    Examples
    --------
    >>> ridge_solution([[1.0, 0.0], [0.0, 1.0]], [2.0, 4.0], 1.0)
    array([1., 2.])
    >>> ridge_solution([[1.0]], [1.0], -1.0)
    Traceback (most recent call last):
    ...
    ValueError: lam must be a finite number > 0, got -1.0
    """
    A, b, lam_ = _ridge_args(X, y, lam)
    As, e = _scaled(A)  # the ridge problem of X / 2**e with lam / 4**e, exactly
    lam_s = _scaled_lam(lam_, e)
    _check_conditioning(As, lam_s)
    f = scale_exponent(b)
    rhs = As.T @ np.ldexp(b, -f)
    solution = np.linalg.solve(As.T @ As + lam_s * np.eye(As.shape[1]), rhs)
    return rescale(solution, f - e, "X, y and lam", "the ridge estimate")


def ridge_augmented(
    X: ArrayLike,
    y: ArrayLike,
    lam: float,
    form: Literal["tall", "wide"] = "tall",
) -> tuple[FloatArray, FloatArray]:
    """Ridge regression as plain least squares on augmented data.

    * ``form="tall"``: ``[X; sqrt(lam) I_d]`` and ``[y; 0_d]``; ordinary least squares
      on it is the ridge estimate.
    * ``form="wide"``: ``[X, sqrt(lam) I_n]`` and ``y``; the system is wide with full
      row rank, and the first ``d`` entries of its min-norm solution are the ridge
      estimate.

    Parameters
    ----------
    X
        Data ``(n, d)``.
    y
        Targets ``(n,)``.
    lam
        Regularisation strength, ``> 0``.
    form
        ``"tall"`` or ``"wide"``.

    Returns
    -------
    tuple of numpy.ndarray
        The augmented matrix (``(n + d, d)`` or ``(n, d + n)``) and right-hand side.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or an augmented matrix larger than :data:`MAX_ENTRIES`.

    Examples
    --------
    >>> Xa, ya = ridge_augmented([[3.0]], [1.0], 4.0, form="wide")
    >>> Xa, ya
    (array([[3., 2.]]), array([1.]))
    >>> ridge_augmented([[3.0]], [1.0], 4.0, form="square")
    Traceback (most recent call last):
    ...
    ValueError: form must be 'tall' or 'wide', got 'square'
    """
    A, b, lam_ = _ridge_args(X, y, lam)
    kind = as_choice(form, "form", ("tall", "wide"))
    n, d = A.shape
    size = (n + d) * d if kind == "tall" else n * (d + n)
    check_size(
        size,
        MAX_ENTRIES,
        f"X of shape {A.shape} needs {size} entries in the {kind} augmented form",
        limit_name="dlhw.sgd.MAX_ENTRIES",
    )
    root = np.sqrt(lam_)
    if kind == "tall":
        return np.vstack([A, root * np.eye(d)]), np.concatenate([b, np.zeros(d)])
    return np.hstack([A, root * np.eye(n)]), b.copy()


def tikhonov_augmented(
    X: ArrayLike, y: ArrayLike, Gamma: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Augmented data ``[X; Gamma]``, ``[y; 0]`` whose least squares is the MAP estimate.

    With ``Gamma^T Gamma = Sigma^{-1}`` (for instance the transposed Cholesky factor
    of ``Sigma^{-1}``), OLS on the result is ``(X^T X + Sigma^{-1})^{-1} X^T y``.

    Parameters
    ----------
    X
        Data ``(n, d)``.
    y
        Targets ``(n,)``.
    Gamma
        Prior factor ``(k, d)``.

    Returns
    -------
    tuple of numpy.ndarray
        ``[X; Gamma]`` of shape ``(n + k, d)`` and ``[y; 0]`` of shape ``(n + k,)``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> Xa, ya = tikhonov_augmented([[1.0, 2.0]], [3.0], 2.0 * np.eye(2))
    >>> Xa.shape, ya
    ((3, 2), array([3., 0., 0.]))
    >>> tikhonov_augmented([[1.0, 2.0]], [3.0], np.eye(3))
    Traceback (most recent call last):
    ...
    ValueError: Gamma must have shape (k, 2), got (3, 3)
    """
    A = as_real_array(X, "X", ndim=2)
    b = as_real_array(y, "y", ndim=1)
    if b.shape[0] != A.shape[0]:
        raise ValueError(f"y must have one entry per row of X ({A.shape[0]}), got {b.shape[0]}")
    Gm = as_real_array(Gamma, "Gamma", ndim=2)
    if Gm.shape[1] != A.shape[1]:
        raise ValueError(f"Gamma must have shape (k, {A.shape[1]}), got {Gm.shape}")
    return np.vstack([A, Gm]), np.concatenate([b, np.zeros(Gm.shape[0])])


def run_ridge_sgd(
    X: ArrayLike,
    y: ArrayLike,
    lam: float,
    eta: float,
    steps: int,
    *,
    runs: int = 1,
    seed: int | np.random.Generator | None = None,
    every: int = 1,
    decay: float = 0.0,
) -> tuple[NDArray[np.int64], FloatArray]:
    """SGD on the plain ridge objective ``sum_i [(y_i - x_i^T w)^2 + (lam / n)||w||^2]``.

    Step ``t`` uses index ``I`` uniform on the rows and step ``eta / (1 + decay t)``:
    ``w <- w - eta_t (2 (x_I^T w - y_I) x_I + (2 lam / n) w)``, from ``w_0 = 0``.

    Parameters
    ----------
    X, y
        Data ``(n, d)`` and targets ``(n,)``.
    lam
        Regularisation strength, ``> 0``.
    eta
        Initial step size, ``> 0``.
    steps, runs, seed, every
        As in :func:`run_sgd` (here ``steps · runs · d`` is bounded by :data:`MAX_WORK`).
    decay
        ``0`` for a constant step, ``> 0`` for the decaying step ``eta / (1 + decay t)``.

    Returns
    -------
    tuple of numpy.ndarray
        Recorded steps ``(m,)`` and squared distances ``||w_t - w_ridge||^2`` of shape
        ``(runs, m)``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments or sizes (and as in :func:`ridge_solution`).

    Examples
    --------
    >>> t, dist = run_ridge_sgd(np.eye(2), [1.0, 1.0], 1.0, 0.1, 100, runs=4, seed=0)
    >>> dist.shape, bool(dist[:, -1].min() > 1e-3)  # a constant step stalls
    ((4, 101), True)
    """
    A, b, lam_ = _ridge_args(X, y, lam)
    step = as_positive_float(eta, "eta")
    slow = as_positive_float(decay, "decay", allow_zero=True)
    n, d = A.shape
    total, count, stride = _run_args(steps, runs, every, d)
    recorded = np.arange(0, total + 1, stride)
    check_size(
        count * (3 * d + CHUNK) + recorded.size * count,
        MAX_ENTRIES,
        f"runs={count} with steps={total} and every={stride} needs "
        f"{count * (3 * d + CHUNK) + recorded.size * count} entries",
        limit_name="dlhw.sgd.MAX_ENTRIES",
    )
    rng = as_generator(seed)
    # The run of X / 2**e with lam / 4**e and eta 4**e from 0 is that of X, with w 2**e.
    As, e = _scaled(A)
    lam_s = _scaled_lam(lam_, e)
    step_s = times_power_of_two(step, 2 * e, "eta", "eta · X Xᵀ")
    target = ridge_solution(As, b, lam_s)
    W = np.zeros((count, d))
    dist = np.empty((recorded.size, count))
    with np.errstate(over="ignore"):
        size = float(target @ target)
    dist[0] = size
    if not math.isfinite(size):
        raise ValueError("y is too large: the squared norm of the ridge solution overflows float64")
    slot = 1
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is refused below
        for begin in range(0, total, CHUNK):
            idx = rng.integers(0, n, size=(min(begin + CHUNK, total) - begin, count))
            for k, i in enumerate(idx):
                t = begin + k
                eta_t = step_s / (1.0 + slow * t)
                Xi = As[i]
                res = np.einsum("ij,ij->i", Xi, W) - b[i]
                W -= eta_t * (2.0 * res[:, None] * Xi + (2.0 * lam_s / n) * W)
                if (t + 1) % stride == 0:
                    diff = W - target
                    dist[slot] = np.einsum("ij,ij->i", diff, diff)
                    slot += 1
    cause = f"eta={step!r} is too large (SGD diverges), or lam or y is too large"
    return recorded, _unscaled_curves(
        dist, -2 * e, "the distances ‖w_t − w_ridge‖²", cause, recorded
    )
