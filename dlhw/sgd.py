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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg

from dlhw.validation import as_generator, as_int, as_positive_float, as_real_array

FloatArray = NDArray[np.float64]

#: Steps whose random indices are drawn at once (bounds the memory of a simulation).
CHUNK = 512


# --------------------------------------------------------------------------- input


def _system(X: ArrayLike, y: ArrayLike | None = None) -> tuple[FloatArray, FloatArray | None]:
    """Validate a wide, full-row-rank ``X`` (and ``y`` of matching length)."""
    A = as_real_array(X, "X", ndim=2)
    n, d = A.shape
    if n > d:
        raise ValueError(f"X must be wide (n <= d) to interpolate, got a tall X of shape {A.shape}")
    rank = int(np.linalg.matrix_rank(A))
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
        do not match, or an entry is NaN or infinite.

    Examples
    --------
    >>> min_norm_solution([[1.0, 1.0]], [2.0])
    array([1., 1.])
    >>> min_norm_solution([[1.0], [2.0]], [1.0, 2.0])
    Traceback (most recent call last):
    ...
    ValueError: X must be wide (n <= d) to interpolate, got a tall X of shape (2, 1)
    """
    A, b = _system(X, y)
    assert b is not None
    return A.T @ np.linalg.solve(A @ A.T, b)


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

        Examples
        --------
        >>> lyapunov_constants([[1.0, 0.0], [0.0, 1.0]]).factor(0.5)
        0.5
        """
        step = as_positive_float(eta, "eta")
        return 1.0 - self.c1 * step + self.c2 * step**2


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
    sigma = np.linalg.svd(A, compute_uv=False)
    smin, smax = float(sigma.min()), float(sigma.max())
    beta = float(np.sqrt((A * A).sum(axis=1).max()))
    c1 = 4.0 * smin**2 / n
    c2 = 4.0 * smax**2 * beta**2 / n
    return LyapunovConstants(
        n=n,
        sigma_min=smin,
        sigma_max=smax,
        beta=beta,
        c1=c1,
        c2=c2,
        eta_max=c1 / c2,
        eta_best=c1 / (2.0 * c2),
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
    A, b = _system(X, np.zeros(np.shape(X)[0]) if y is None else y)
    assert b is not None
    W = _points(w, A.shape[1], "w")
    step = as_positive_float(eta, "eta")
    G = A @ A.T
    r = W @ A.T - b  # (..., n) residuals
    loss = (r * r).sum(axis=-1)
    if np.any(loss <= 0):
        raise ValueError("w must not solve the system: L(w) = 0 has no ratio")
    # Next residual for index i: r - 2 eta r_i G[:, i]; shape (..., i, n).
    nxt = r[..., None, :] - 2.0 * step * r[..., :, None] * G
    expected = (nxt * nxt).sum(axis=-1).mean(axis=-1)
    return np.asarray(expected / loss)


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
    array = np.asarray(indices)
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
    b: FloatArray,
    row_steps: FloatArray,
    *,
    steps: int,
    runs: int,
    every: int,
    w0: ArrayLike | None,
    draw: Callable[[int, int], NDArray[np.intp]],
) -> SGDRun:
    """Advance all trajectories together: ``w <- w - row_steps[i] (x_i^T w - y_i) x_i``."""
    d = A.shape[1]
    G = A @ A.T
    start = np.zeros(d) if w0 is None else _points(w0, d, "w0")
    if start.ndim == 2 and start.shape[0] != runs:
        raise ValueError(f"w0 must have shape ({d},) or ({runs}, {d}), got {start.shape}")
    W0 = np.broadcast_to(start, (runs, d))
    coef0 = np.linalg.solve(G, A @ W0.T).T  # row-space coordinates of w0
    perp = W0 - coef0 @ A  # the part of w0 that never moves
    perp2 = (perp * perp).sum(axis=1)
    c_star = np.linalg.solve(G, b)
    e = coef0 - c_star  # w - w* = X^T e + perp
    r = W0 @ A.T - b  # residual, = G e
    rows = np.arange(runs)
    recorded = np.arange(0, steps + 1, every)
    loss = np.empty((recorded.size, runs))
    dist = np.empty((recorded.size, runs))
    loss[0] = (r * r).sum(axis=1)
    dist[0] = perp2 + (e * r).sum(axis=1)
    slot = 1
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
    return SGDRun(t=recorded, loss=loss.T.copy(), distance=dist.T.copy(), w=w)


def _run_args(steps: object, runs: object, every: object) -> tuple[int, int, int]:
    return (
        as_int(steps, "steps", minimum=0),
        as_int(runs, "runs", minimum=1),
        as_int(every, "every", minimum=1),
    )


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
    A, b = _system(X, y)
    assert b is not None
    step = as_positive_float(eta, "eta")
    total, count, stride = _run_args(steps, runs, every)
    n = A.shape[0]
    draw = (
        _random_indices(as_generator(seed), count, n, None)
        if indices is None
        else _indices_from(indices, total, count, n)
    )
    return _simulate(
        A, b, np.full(n, 2.0 * step), steps=total, runs=count, every=stride, w0=w0, draw=draw
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

    Examples
    --------
    >>> out = run_kaczmarz(np.eye(2), [1.0, 2.0], 50, runs=2, seed=1)
    >>> out.w.round(6)
    array([[1., 2.],
           [1., 2.]])
    """
    A, b = _system(X, y)
    assert b is not None
    total, count, stride = _run_args(steps, runs, every)
    norms2 = (A * A).sum(axis=1)
    draw = _random_indices(as_generator(seed), count, A.shape[0], norms2 / norms2.sum())
    return _simulate(A, b, 1.0 / norms2, steps=total, runs=count, every=stride, w0=w0, draw=draw)


# ------------------------------------------------------------ exact mean squares


def _row_rule(
    A: FloatArray, eta: float | None, method: Literal["sgd", "kaczmarz"]
) -> tuple[FloatArray, FloatArray]:
    """Per-row step ``a_i`` and probability ``p_i`` of the two methods."""
    n = A.shape[0]
    if method == "sgd":
        if eta is None:
            raise TypeError("eta is required for method='sgd'")
        step = as_positive_float(eta, "eta")
        return np.full(n, 2.0 * step), np.full(n, 1.0 / n)
    if method == "kaczmarz":
        norms2 = (A * A).sum(axis=1)
        return 1.0 / norms2, norms2 / norms2.sum()
    raise ValueError(f"method must be 'sgd' or 'kaczmarz', got {method!r}")


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
        Wide ``(n, d)`` matrix of full row rank.
    eta
        Step size of SGD (ignored by Kaczmarz).
    method
        ``"sgd"`` (uniform rows, step ``eta``) or ``"kaczmarz"`` (rows by squared
        norm, projection step).

    Returns
    -------
    float
        ``rho(T)``.

    Examples
    --------
    >>> round(mean_square_rate(np.eye(2), 0.5), 12)
    0.5
    >>> round(mean_square_rate(np.eye(2), method="kaczmarz"), 12)
    0.5
    """
    A, _ = _system(X)
    a, p = _row_rule(A, eta, method)
    # In the coordinates w~ = C^{-1} r with C C^T = X X^T the map is symmetric:
    # w~ <- (I - a_i c_i c_i^T) w~ with c_i the rows of C, so T is symmetric too and
    # similar to the map of the residuals.
    C = np.linalg.cholesky(A @ A.T)
    n = A.shape[0]
    T = np.zeros((n * n, n * n))
    for i in range(n):
        P = np.eye(n) - a[i] * np.outer(C[i], C[i])
        T += p[i] * np.kron(P, P)
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
        Number of steps.
    eta
        Step size of SGD (ignored by Kaczmarz).
    method
        ``"sgd"`` or ``"kaczmarz"``, as in :func:`mean_square_rate`.

    Returns
    -------
    tuple of numpy.ndarray
        The expected losses and expected squared distances, each of shape
        ``(steps + 1,)``.

    Examples
    --------
    >>> loss, dist = expected_curves(np.eye(2), [1.0, 1.0], 2, 0.5)
    >>> loss
    array([2. , 1. , 0.5])
    """
    A, b = _system(X, y)
    assert b is not None
    total = as_int(steps, "steps", minimum=0)
    a, p = _row_rule(A, eta, method)
    T = _second_moment_operator(A, a, p)
    n = A.shape[0]
    Ginv = np.linalg.inv(A @ A.T)
    M = np.outer(b, b).ravel()  # residual at w_0 = 0 is -y
    loss, dist = np.empty(total + 1), np.empty(total + 1)
    for t in range(total + 1):
        square = M.reshape(n, n)
        loss[t] = np.trace(square)
        dist[t] = float((Ginv * square).sum())  # E r^T G^{-1} r
        M = T @ M
    return loss, dist


def kaczmarz_rate(X: ArrayLike) -> float:
    """Strohmer and Vershynin's per-step factor ``1 - 1 / kappa_F^2``.

    ``kappa_F = ||X||_F ||X^+||_2 = ||X||_F / sigma_min``; the bound is
    ``E||w_k - w*||^2 <= (1 - 1 / kappa_F^2)^k ||w_0 - w*||^2``.

    Examples
    --------
    >>> kaczmarz_rate(np.eye(4))
    0.75
    """
    A, _ = _system(X)
    smin = float(np.linalg.svd(A, compute_uv=False).min())
    return 1.0 - smin**2 / float((A * A).sum())


# -------------------------------------------------------------------------- ridge


def _ridge_args(X: ArrayLike, y: ArrayLike, lam: float) -> tuple[FloatArray, FloatArray, float]:
    A = as_real_array(X, "X", ndim=2)
    b = as_real_array(y, "y", ndim=1)
    if b.shape[0] != A.shape[0]:
        raise ValueError(f"y must have one entry per row of X ({A.shape[0]}), got {b.shape[0]}")
    return A, b, as_positive_float(lam, "lam")


def ridge_solution(X: ArrayLike, y: ArrayLike, lam: float) -> FloatArray:
    """Return the ridge estimate ``(X^T X + lam I)^{-1} X^T y`` (any ``X``, ``lam > 0``).

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
    solution = np.linalg.solve(A.T @ A + lam_ * np.eye(A.shape[1]), A.T @ b)
    return np.asarray(solution, dtype=np.float64)


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
    n, d = A.shape
    root = np.sqrt(lam_)
    if form == "tall":
        return np.vstack([A, root * np.eye(d)]), np.concatenate([b, np.zeros(d)])
    if form == "wide":
        return np.hstack([A, root * np.eye(n)]), b.copy()
    raise ValueError(f"form must be 'tall' or 'wide', got {form!r}")


def tikhonov_augmented(
    X: ArrayLike, y: ArrayLike, Gamma: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Augmented data ``[X; Gamma]``, ``[y; 0]`` whose least squares is the MAP estimate.

    With ``Gamma^T Gamma = Sigma^{-1}`` (for instance the transposed Cholesky factor
    of ``Sigma^{-1}``), OLS on the result is ``(X^T X + Sigma^{-1})^{-1} X^T y``.

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
        As in :func:`run_sgd`.
    decay
        ``0`` for a constant step, ``> 0`` for the decaying step ``eta / (1 + decay t)``.

    Returns
    -------
    tuple of numpy.ndarray
        Recorded steps ``(m,)`` and squared distances ``||w_t - w_ridge||^2`` of shape
        ``(runs, m)``.

    Examples
    --------
    >>> t, dist = run_ridge_sgd(np.eye(2), [1.0, 1.0], 1.0, 0.1, 100, runs=4, seed=0)
    >>> dist.shape, bool(dist[:, -1].min() > 1e-3)  # a constant step stalls
    ((4, 101), True)
    """
    A, b, lam_ = _ridge_args(X, y, lam)
    step = as_positive_float(eta, "eta")
    slow = as_positive_float(decay, "decay", allow_zero=True)
    total, count, stride = _run_args(steps, runs, every)
    rng = as_generator(seed)
    n, d = A.shape
    target = ridge_solution(A, b, lam_)
    W = np.zeros((count, d))
    recorded = np.arange(0, total + 1, stride)
    dist = np.empty((recorded.size, count))
    dist[0] = float(target @ target)
    slot = 1
    for begin in range(0, total, CHUNK):
        idx = rng.integers(0, n, size=(min(begin + CHUNK, total) - begin, count))
        for k, i in enumerate(idx):
            t = begin + k
            eta_t = step / (1.0 + slow * t)
            Xi = A[i]
            res = np.einsum("ij,ij->i", Xi, W) - b[i]
            W -= eta_t * (2.0 * res[:, None] * Xi + (2.0 * lam_ / n) * W)
            if (t + 1) % stride == 0:
                diff = W - target
                dist[slot] = np.einsum("ij,ij->i", diff, diff)
                slot += 1
    return recorded, dist.T.copy()
