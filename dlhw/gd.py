r"""Gradient descent and heavy-ball momentum on least squares, with their rates.

The loss is the *unscaled* sum of squares

.. math:: L(w) = \|Xw - y\|_2^2 ,

so that :math:`\nabla L(w) = 2X^\top X w - 2X^\top y` and the Hessian is
:math:`H = 2X^\top X` (no factor :math:`1/2` and no division by :math:`n`). Gradient
descent with step :math:`\eta` on :math:`\tfrac12\|Xw - y\|^2` is therefore gradient
descent on :math:`L` with step :math:`\eta / 2`.

The rate of gradient descent is governed by the spectral radius
:math:`\nu = \max_i |1 - \eta\lambda_i|` of :math:`I - \eta H`, where
:math:`\lambda_1 \le \dots \le \lambda_d` are the eigenvalues of :math:`H`.
Every rate claim needs :math:`\lambda_{\min} > 0`, that is, ``X`` with full column
rank; the functions that make such a claim raise ``ValueError`` otherwise.

Numerical range: spectral quantities are computed from ``X / 2**e`` with ``2**e`` the
power of two nearest above ``max |X|`` (an exact scaling), so a design matrix with
entries of size ``1e±200`` gives the same condition number, step sizes and iterates
as a moderate one; a result that itself leaves float64 (the Hessian of
``1e200 · X``) raises ``ValueError`` instead of returning ``inf`` or ``0``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlhw.validation import (
    as_int,
    as_positive_float,
    as_real_array,
    check_size,
    finite_run,
    rescale,
    scale_exponent,
    times_power_of_two,
)

Array = NDArray[np.float64]

#: Relative size below which the smallest eigenvalue of ``H`` counts as zero.
SINGULAR_RTOL = 1e-13
#: Most steps :func:`gd` and :func:`heavy_ball` run (raise it to run longer).
MAX_STEPS = 10**5
#: The most array entries a function here builds (iterates, ``d × d`` matrices).
MAX_ENTRIES = 2**25
#: Number of iterates whose losses are evaluated at once (bounds the memory used).
_LOSS_CHUNK = 512


def _design(X: ArrayLike) -> Array:
    return as_real_array(X, "X", ndim=2)


def _scaled(X: Array) -> tuple[Array, int]:
    """Return ``X / 2**e`` (entries in ``(-1, 1)``, exact) and ``e``; check ``d²`` fits."""
    d = X.shape[1]
    check_size(
        d * d,
        MAX_ENTRIES,
        f"X has d = {d} columns: the d × d Hessian needs {d * d} entries",
        limit_name="dlhw.gd.MAX_ENTRIES",
    )
    e = scale_exponent(X)
    return np.ldexp(X, -e), e


def _steps(steps: object, d: int) -> int:
    count = as_int(steps, "steps", minimum=0, maximum=MAX_STEPS, limit_name="dlhw.gd.MAX_STEPS")
    check_size(
        (count + 1) * d,
        MAX_ENTRIES,
        f"steps={count} needs (steps + 1) · d = {(count + 1) * d} entries for the iterates",
        limit_name="dlhw.gd.MAX_ENTRIES",
    )
    return count


def _scaled_factor(value: float, exponent: int, name: str) -> float:
    """``value * 2**exponent`` for a step size times the scale of ``XᵀX``; refuse overflow."""
    return times_power_of_two(value, exponent, name, f"{name} · XᵀX")


def _finite_iterates(W: Array, L: Array, cause: str) -> tuple[Array, Array]:
    """Refuse a run that overflowed (a diverging step, or a huge ``y`` or ``w0``)."""
    finite_run(np.column_stack([W, L]), np.arange(W.shape[0]), "the iterates and losses", cause)
    return W, L


def _problem(X: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
    Xa = _design(X)
    ya = as_real_array(y, "y", ndim=1)
    if ya.shape[0] != Xa.shape[0]:
        raise ValueError(
            f"y must have one entry per row of X ({Xa.shape[0]}), got shape {ya.shape}"
        )
    return Xa, ya


def _start(w0: ArrayLike | None, d: int) -> Array:
    if w0 is None:
        return np.zeros(d)
    w = as_real_array(w0, "w0", ndim=1)
    if w.shape != (d,):
        raise ValueError(f"w0 must have shape ({d},) like a row of X, got {w.shape}")
    return w


def hessian(X: ArrayLike) -> Array:
    """Return the Hessian ``H = 2 XᵀX`` of ``L(w) = ‖Xw − y‖²``.

    Parameters
    ----------
    X
        Design matrix of shape ``(n, d)``, one example per row.

    Returns
    -------
    numpy.ndarray
        The symmetric positive semidefinite ``(d, d)`` matrix ``2 XᵀX``.

    Raises
    ------
    TypeError, ValueError
        For a bad ``X``, or one whose Hessian leaves the float64 range.

    Examples
    --------
    >>> hessian([[1.0, 0.0], [0.0, 2.0]])
    array([[2., 0.],
           [0., 8.]])
    >>> hessian([[1e200]])
    Traceback (most recent call last):
    ...
    ValueError: X is too large: the Hessian H = 2XᵀX would be about 1e400, beyond float64 ...
    """
    Xs, e = _scaled(_design(X))
    return rescale(2.0 * (Xs.T @ Xs), 2 * e, "X", "the Hessian H = 2XᵀX")


def _scaled_eigenvalues(X: Array) -> tuple[Array, int]:
    """Eigenvalues of ``2 XsᵀXs`` for ``Xs = X / 2**e``, and ``e``: ``λ = λs · 4**e``."""
    Xs, e = _scaled(X)
    return np.asarray(np.linalg.eigvalsh(2.0 * (Xs.T @ Xs)), dtype=np.float64), e


def hessian_eigenvalues(X: ArrayLike) -> Array:
    """Return the eigenvalues of ``H = 2 XᵀX`` in increasing order.

    Parameters
    ----------
    X
        Design matrix of shape ``(n, d)``.

    Returns
    -------
    numpy.ndarray
        The ``d`` eigenvalues ``λ_1 ≤ … ≤ λ_d``, all ``≥ 0`` up to rounding.

    Raises
    ------
    TypeError, ValueError
        For a bad ``X``, or one whose largest eigenvalue leaves the float64 range.

    Examples
    --------
    >>> hessian_eigenvalues([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    array([2., 8.])
    """
    lam, e = _scaled_eigenvalues(_design(X))
    return rescale(lam, 2 * e, "X", "the eigenvalues of H = 2XᵀX")


def _extreme_eigenvalues(X: ArrayLike) -> tuple[float, float, int]:
    """``(λ_min, λ_max)`` of ``H`` for ``X / 2**e``, and ``e``; refuse ``λ_min = 0``.

    The rank test is relative (``λ_min <= SINGULAR_RTOL · λ_max``), so it does not
    depend on the scaling.
    """
    lam, e = _scaled_eigenvalues(_design(X))
    lam_min, lam_max = float(lam[0]), float(lam[-1])
    if lam_max <= 0 or lam_min <= SINGULAR_RTOL * lam_max:
        shown = [float(np.ldexp(v, 2 * e)) if lam_max > 0 else 0.0 for v in (lam_min, lam_max)]
        raise ValueError(
            "X must have full column rank: XᵀX is singular (smallest eigenvalue of "
            f"H = 2XᵀX is {shown[0]:.3g}, largest {shown[1]:.3g}), so λ_min = 0 and no "
            "linear rate holds"
        )
    return lam_min, lam_max, e


def condition_number(X: ArrayLike) -> float:
    """Return the condition number ``κ = λ_max / λ_min`` of ``H = 2XᵀX``.

    Parameters
    ----------
    X
        Design matrix ``(n, d)`` with full column rank.

    Raises
    ------
    ValueError
        If ``XᵀX`` is singular (``λ_min = 0``).

    Returns
    -------
    float
        ``κ >= 1``; the same for ``X`` and ``s X`` (computed from ``X / 2**e``).

    Examples
    --------
    >>> condition_number([[1.0, 0.0], [0.0, 3.0]])
    9.0
    >>> condition_number([[1e200, 0.0], [0.0, 3e200]])  # scale-free
    9.0
    """
    lam_min, lam_max, _ = _extreme_eigenvalues(X)
    return lam_max / lam_min


def least_squares_solution(X: ArrayLike, y: ArrayLike) -> Array:
    """Return the unique minimiser ``w* = (XᵀX)⁻¹Xᵀy`` of ``‖Xw − y‖²``.

    Computed with :func:`numpy.linalg.lstsq` (an SVD), not by forming the inverse.

    Parameters
    ----------
    X
        Design matrix ``(n, d)`` with full column rank.
    y
        Targets ``(n,)``.

    Returns
    -------
    numpy.ndarray
        The minimiser, shape ``(d,)``.

    Raises
    ------
    ValueError
        If ``XᵀX`` is singular (the minimiser is then not unique), or ``w*`` leaves
        the float64 range.

    Examples
    --------
    >>> X, y = [[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], [1.0, 4.0, 5.0]
    >>> least_squares_solution(X, y)
    array([1., 2.])
    >>> least_squares_solution(np.multiply(X, 1e200), y)
    array([1.e-200, 2.e-200])
    """
    Xa, ya = _problem(X, y)
    _, _, e = _extreme_eigenvalues(Xa)
    f = scale_exponent(ya)
    Xs, ys = np.ldexp(Xa, -e), np.ldexp(ya, -f)
    w = np.asarray(np.linalg.lstsq(Xs, ys, rcond=None)[0], dtype=np.float64)
    return rescale(w, f - e, "X and y", "the least-squares solution w*")


def losses(X: ArrayLike, y: ArrayLike, W: ArrayLike) -> Array:
    """Return ``L(w) = ‖Xw − y‖²`` for each row ``w`` of ``W`` (or for one vector).

    The residuals are formed explicitly, so the value is accurate to rounding in
    ``L(w)`` itself (no cancellation from expanding the square).

    Parameters
    ----------
    X
        Design matrix ``(n, d)``.
    y
        Targets ``(n,)``.
    W
        One point ``(d,)``, or points ``(k, d)`` as rows (e.g. the iterates of
        :func:`gd`).

    Returns
    -------
    numpy.ndarray
        A 0-d array for one point, else the ``k`` losses.

    Raises
    ------
    TypeError, ValueError
        For bad shapes or values, or a loss outside the float64 range (a non-zero
        loss below ``2.2e-308`` or above ``1.8e308``).

    Examples
    --------
    >>> X, y = [[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0]
    >>> losses(X, y, [[0.0, 0.0], [1.0, 1.0]])
    array([2., 0.])
    >>> losses([[1.0, 0.0]], [1.0], [3.0, 0.0])
    array(4.)
    """
    Xa, ya = _problem(X, y)
    Wa = as_real_array(W, "W")
    if Wa.ndim not in (1, 2) or Wa.shape[-1] != Xa.shape[1]:
        raise ValueError(
            f"W must have shape ({Xa.shape[1]},) or (k, {Xa.shape[1]}), got {Wa.shape}"
        )
    if Wa.ndim == 1:
        residual = Xa @ Wa - ya
        with np.errstate(over="ignore"):
            loss = np.asarray(residual @ residual)
    else:
        loss = _losses_of_rows(Xa, ya, Wa)
    smallest = np.finfo(np.float64).tiny
    lost = ~np.isfinite(loss) | (loss < smallest)
    for row in np.flatnonzero(lost):  # a zero loss is fine; an overflowed or lost one is not
        residual = Xa @ np.atleast_2d(Wa)[row] - ya
        if not np.isfinite(loss.flat[row]) or np.any(residual):
            where = "beyond" if not np.isfinite(loss.flat[row]) else "below"
            raise ValueError(
                f"X, y and W give a loss ‖Xw − y‖² {where} the float64 range (residuals "
                f"up to {np.abs(residual).max():.3g}); rescale the problem"
            )
    return loss


def _losses_of_rows(X: Array, y: Array, W: Array) -> Array:
    out = np.empty(W.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, W.shape[0], _LOSS_CHUNK):
            residual = W[start : start + _LOSS_CHUNK] @ X.T - y
            out[start : start + _LOSS_CHUNK] = np.einsum("ij,ij->i", residual, residual)
    return out


def contraction_factor(X: ArrayLike, eta: float) -> float:
    """Return the spectral radius ``ν = max_i |1 − ηλ_i|`` of ``I − ηH``, ``H = 2XᵀX``.

    This is the factor by which one step of gradient descent on ``‖Xw − y‖²`` shrinks
    the error ``w − w*`` in the worst direction. Only the extreme eigenvalues matter:
    ``ν = max(|1 − ηλ_min|, |1 − ηλ_max|)``. A singular ``XᵀX`` gives ``ν ≥ 1`` (no
    contraction), which is returned as it is.

    Parameters
    ----------
    X
        Design matrix ``(n, d)``.
    eta
        Step size, a finite number ``> 0``.

    Returns
    -------
    float
        ``ν``.

    Raises
    ------
    TypeError, ValueError
        For a bad ``X`` or ``eta``, or ``ηλ_max`` beyond float64.

    Examples
    --------
    >>> X = [[0.5**0.5, 0.0], [0.0, 5**0.5]]  # H has eigenvalues 1, 10
    >>> round(contraction_factor(X, 0.1), 12)
    0.9

    The step ``η = 1/K`` with ``K = 2 > λ_min`` diverges:

    >>> round(contraction_factor(X, 0.5), 12)
    4.0
    """
    step = as_positive_float(eta, "eta")
    lam, e = _scaled_eigenvalues(_design(X))
    with np.errstate(over="ignore"):
        eta_lam = np.ldexp(step * lam[[0, -1]], 2 * e)  # η λ_min and η λ_max, exactly
    if not np.all(np.isfinite(eta_lam)):
        raise ValueError(f"eta={eta!r} times λ_max of X overflows float64 (ν would be inf)")
    return float(max(abs(1.0 - eta_lam[0]), abs(1.0 - eta_lam[1])))


def optimal_step(X: ArrayLike) -> float:
    """Return the step ``η = 2 / (λ_min + λ_max)`` minimising ``ν``.

    With it, ``ν = (κ − 1) / (κ + 1)`` where ``κ = λ_max / λ_min``.

    Parameters
    ----------
    X
        Design matrix ``(n, d)`` with full column rank.

    Raises
    ------
    ValueError
        If ``XᵀX`` is singular, or the step leaves the float64 range.

    Returns
    -------
    float
        The step ``2 / (λ_min + λ_max)``.

    Examples
    --------
    >>> X = [[0.5**0.5, 0.0], [0.0, 5**0.5]]  # eigenvalues 1 and 10
    >>> eta = optimal_step(X)
    >>> round(eta, 12), round(contraction_factor(X, eta), 12)
    (0.181818181818, 0.818181818182)
    """
    lam_min, lam_max, e = _extreme_eigenvalues(X)
    step = rescale(2.0 / (lam_min + lam_max), -2 * e, "X", "the optimal step 2/(λ_min + λ_max)")
    return float(step)


def gd(
    X: ArrayLike,
    y: ArrayLike,
    eta: float,
    steps: int,
    *,
    w0: ArrayLike | None = None,
) -> tuple[Array, Array]:
    """Run gradient descent on ``L(w) = ‖Xw − y‖²`` (no ``1/2``, no ``1/n``).

    The update is ``w_t = w_{t−1} − η ∇L(w_{t−1})`` with
    ``∇L(w) = 2XᵀXw − 2Xᵀy``. The iteration runs in ``d``-space with ``XᵀX`` and
    ``Xᵀy`` computed once, so a step costs ``O(d²)``; the losses are evaluated
    afterwards from explicit residuals. A step beyond ``2/λ_max`` makes the iterates
    grow geometrically; a run whose iterates or losses overflow float64 is refused.

    Parameters
    ----------
    X
        Design matrix ``(n, d)``.
    y
        Targets ``(n,)``.
    eta
        Step size, a finite number ``> 0``.
    steps
        Number of steps, ``0 <= steps <=`` :data:`MAX_STEPS`; the iterates must fit
        in :data:`MAX_ENTRIES`.
    w0
        Starting point ``(d,)``; zero by default.

    Returns
    -------
    W : numpy.ndarray
        The iterates ``w_0, ..., w_steps`` as rows, shape ``(steps + 1, d)``.
    L : numpy.ndarray
        Their losses ``L(w_0), ..., L(w_steps)``, shape ``(steps + 1,)``.

    Raises
    ------
    TypeError, ValueError
        For bad shapes, values or sizes; ``ValueError`` also when the iterates or
        their losses overflow float64 (a diverging ``eta``, or huge ``y`` or ``w0``).

    Examples
    --------
    >>> W, L = gd([[1.0, 0.0], [0.0, 2.0]], [1.0, 2.0], eta=0.1, steps=2)
    >>> W
    array([[0.  , 0.  ],
           [0.2 , 0.8 ],
           [0.36, 0.96]])
    >>> L.round(4)
    array([5.   , 0.8  , 0.416])
    """
    Xa, ya = _problem(X, y)
    step = as_positive_float(eta, "eta")
    d = Xa.shape[1]
    count = _steps(steps, d)
    start = _start(w0, d)
    Xs, e = _scaled(Xa)
    W = np.empty((count + 1, d))
    W[0] = start
    gram, target = Xs.T @ Xs, Xs.T @ ya  # XᵀX / 4**e and Xᵀy / 2**e
    # w − η(2Gw − 2b) = Mw + c with M = I − 2ηG and c = 2ηb.
    M = np.eye(d) - _scaled_factor(2.0 * step, 2 * e, "eta") * gram
    c = _scaled_factor(2.0 * step, e, "eta") * target
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, count + 1):
            np.matmul(M, W[t - 1], out=W[t])
            W[t] += c
    return _finite_iterates(
        W,
        _losses_of_rows(Xa, ya, W),
        f"eta={step!r} is too large (gradient descent diverges when η λ_max(2XᵀX) > 2), "
        "or y or w0 is too large",
    )


def suboptimality_bound(
    X: ArrayLike,
    y: ArrayLike,
    eta: float,
    t: int | ArrayLike,
    w0: ArrayLike | None = None,
) -> float | Array:
    """Return the bound ``(λ_max / 2) ν^{2t} ‖w_0 − w*‖²`` on ``L(w_t) − L(w*)``.

    Here ``ν`` is :func:`contraction_factor`, ``λ_max`` the largest eigenvalue of
    ``H = 2XᵀX`` and ``w*`` the unique minimiser. The bound holds for every
    ``η > 0``; it decays only when ``ν < 1``.

    Parameters
    ----------
    X, y
        The least-squares problem; ``X`` must have full column rank.
    eta
        Step size ``> 0``.
    t
        A step count ``>= 0``, or an array of them (then an array is returned).
    w0
        Starting point of gradient descent; zero by default.

    Raises
    ------
    ValueError
        On bad shapes or values, if ``XᵀX`` is singular, or if the bound overflows
        float64 (``ν > 1`` and a large ``t``). A bound below the float64 range is
        returned as ``0``.

    Returns
    -------
    float or numpy.ndarray
        The bound, a float for an integer ``t`` and an array for an array of them.

    Examples
    --------
    >>> X, y = [[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], [1.0, 4.0, 5.0]
    >>> suboptimality_bound(X, y, 0.1, 0)  # λ_max / 2 · ‖w*‖² = 4 · 5
    20.0
    >>> suboptimality_bound(X, y, 0.1, [1, 2]).round(4)  # ν = 0.8
    array([12.8  ,  8.192])
    """
    Xa, ya = _problem(X, y)
    _, lam_max, e = _extreme_eigenvalues(Xa)
    nu = contraction_factor(Xa, eta)
    start = _start(w0, Xa.shape[1])
    # (λ_max / 2) ‖w0 − w*‖² = (λ_max / 4**e / 2) ‖(w0 − w*) 2**e‖²: exact, no overflow
    error = np.ldexp(start - least_squares_solution(Xa, ya), e)
    with np.errstate(over="ignore"):
        size = error @ error
    if not math.isfinite(size):
        raise ValueError(
            "y or w0 is too large: (λ_max / 2) ‖w0 − w*‖² overflows float64 (w* solves X w = y)"
        )
    if isinstance(t, int | np.integer):
        steps = as_int(t, "t", minimum=0)
        try:
            power = nu ** (2 * steps)
        except OverflowError:  # ν > 1, or an exponent beyond float range
            power = math.inf if nu > 1 else 0.0
        bound = np.asarray(lam_max / 2 * power * size)
    else:
        try:
            times = np.asarray(t)
        except ValueError:  # ragged nested sequences
            times = np.asarray([])
        if times.ndim != 1 or times.size == 0 or times.dtype.kind not in "iu":
            raise TypeError(
                f"t must be an integer or a 1-D array of integers, got {type(t).__name__}"
            )
        if np.any(times < 0):
            raise ValueError("t must be >= 0")
        with np.errstate(over="ignore"):
            bound = np.asarray(lam_max / 2 * nu ** (2.0 * times) * size)
    if not np.all(np.isfinite(bound)):
        raise ValueError(
            f"t is too large for eta={eta!r}: with ν = {nu:.6g} > 1 the bound "
            "ν^(2t) (λ_max / 2) ‖w0 − w*‖² overflows float64"
        )
    return float(bound) if bound.ndim == 0 else bound


def heavy_ball_parameters(X: ArrayLike) -> tuple[float, float]:
    """Return Polyak's optimal ``(α, β)`` for least squares with ``H = 2XᵀX``.

    ``α = 4 / (√λ_max + √λ_min)²`` and ``β = ((√κ − 1) / (√κ + 1))²``. With them
    every eigenvalue of the heavy-ball iteration matrix has modulus
    ``√β = (√κ − 1) / (√κ + 1)``.

    Parameters
    ----------
    X
        Design matrix ``(n, d)`` with full column rank.

    Returns
    -------
    alpha, beta : float
        The step size and the momentum.

    Raises
    ------
    ValueError
        If ``XᵀX`` is singular, or ``α`` leaves the float64 range.

    Examples
    --------
    >>> X = [[0.5**0.5, 0.0], [0.0, 50**0.5]]  # eigenvalues 1 and 100
    >>> [round(v, 12) for v in heavy_ball_parameters(X)]
    [0.03305785124, 0.669421487603]
    """
    lam_min, lam_max, e = _extreme_eigenvalues(X)
    root_min, root_max = np.sqrt(lam_min), np.sqrt(lam_max)
    alpha = rescale(4.0 / (root_max + root_min) ** 2, -2 * e, "X", "the step α")
    beta = ((root_max - root_min) / (root_max + root_min)) ** 2
    return float(alpha), float(beta)


def heavy_ball(
    X: ArrayLike,
    y: ArrayLike,
    steps: int,
    *,
    alpha: float | None = None,
    beta: float | None = None,
    w0: ArrayLike | None = None,
) -> tuple[Array, Array]:
    """Run Polyak's heavy-ball method on ``L(w) = ‖Xw − y‖²``.

    ``w_{t+1} = w_t − α∇L(w_t) + β(w_t − w_{t−1})`` with ``w_{−1} = w_0``, so the
    first step is a plain gradient step. By default ``α`` and ``β`` are the optimal
    values of :func:`heavy_ball_parameters`, for which the error contracts at the
    rate ``(√κ − 1) / (√κ + 1)`` (up to a factor growing linearly in ``t``).

    Parameters
    ----------
    X, y
        The least-squares problem.
    steps
        Number of steps, as in :func:`gd`.
    alpha
        Step size ``> 0``; optimal by default (which needs full column rank).
    beta
        Momentum in ``[0, 1)``; optimal by default.
    w0
        Starting point ``(d,)``; zero by default.

    Returns
    -------
    W : numpy.ndarray
        Iterates ``(steps + 1, d)``.
    L : numpy.ndarray
        Their losses ``(steps + 1,)``.

    Raises
    ------
    TypeError, ValueError
        For bad shapes, values or sizes; without ``alpha`` or ``beta``, also for a
        singular ``XᵀX``; and when the iterates or their losses overflow
        float64.

    Examples
    --------
    >>> X, y = [[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], [1.0, 4.0, 5.0]
    >>> W, L = heavy_ball(X, y, 60)
    >>> W[-1].round(8), round(float(L[-1]), 8)
    (array([1., 2.]), 25.0)
    >>> heavy_ball(X, y, 5, beta=1.0)
    Traceback (most recent call last):
    ...
    ValueError: beta must be a number in [0, 1), got 1.0
    """
    Xa, ya = _problem(X, y)
    d = Xa.shape[1]
    count = _steps(steps, d)
    start = _start(w0, d)
    if alpha is None or beta is None:
        best_alpha, best_beta = heavy_ball_parameters(Xa)
    step = best_alpha if alpha is None else as_positive_float(alpha, "alpha")
    if beta is None:
        momentum = best_beta
    else:
        momentum = as_positive_float(beta, "beta", allow_zero=True)
        if momentum >= 1:
            raise ValueError(f"beta must be a number in [0, 1), got {beta!r}")
    Xs, e = _scaled(Xa)
    W = np.empty((count + 1, d))
    W[0] = start
    gram, target = Xs.T @ Xs, Xs.T @ ya  # XᵀX / 4**e and Xᵀy / 2**e
    M = (1.0 + momentum) * np.eye(d) - _scaled_factor(2.0 * step, 2 * e, "alpha") * gram
    c = _scaled_factor(2.0 * step, e, "alpha") * target
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, count + 1):
            np.matmul(M, W[t - 1], out=W[t])
            W[t] -= momentum * W[max(t - 2, 0)]
            W[t] += c
    return _finite_iterates(
        W,
        _losses_of_rows(Xa, ya, W),
        f"alpha={step!r} with beta={momentum!r} makes the iteration diverge, "
        "or y or w0 is too large",
    )


def heavy_ball_matrix(X: ArrayLike, alpha: float, beta: float) -> Array:
    """Return the ``2d × 2d`` matrix ``T`` with ``(e_{t+1}, e_t) = T (e_t, e_{t−1})``.

    ``e_t = w_t − w*`` is the heavy-ball error; ``T = [[(1+β)I − αH, −βI], [I, 0]]``.
    Its spectral radius is the asymptotic rate of the method.

    Parameters
    ----------
    X
        Design matrix ``(n, d)``.
    alpha
        Step size ``> 0``.
    beta
        Momentum ``>= 0``.

    Returns
    -------
    numpy.ndarray
        ``T``, shape ``(2d, 2d)``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, a ``T`` larger than :data:`MAX_ENTRIES`, or entries beyond
        float64.

    Examples
    --------
    With ``κ = 100`` the spectral radius is ``(10 − 1) / (10 + 1)``:

    >>> X = [[0.5**0.5, 0.0], [0.0, 50**0.5]]
    >>> T = heavy_ball_matrix(X, *heavy_ball_parameters(X))
    >>> round(float(np.abs(np.linalg.eigvals(T)).max()), 6)
    0.818182
    """
    Xa = _design(X)
    d = Xa.shape[1]
    check_size(
        4 * d * d,
        MAX_ENTRIES,
        f"X has d = {d} columns: T needs (2d)² = {4 * d * d} entries",
        limit_name="dlhw.gd.MAX_ENTRIES",
    )
    step = as_positive_float(alpha, "alpha")
    momentum = as_positive_float(beta, "beta", allow_zero=True)
    H = hessian(Xa)
    with np.errstate(over="ignore", invalid="ignore"):
        top = np.hstack([(1.0 + momentum) * np.eye(d) - step * H, -momentum * np.eye(d)])
    if not np.all(np.isfinite(top)):
        raise ValueError("alpha and beta are too large for this X: T overflows float64")
    bottom = np.hstack([np.eye(d), np.zeros((d, d))])
    return np.vstack([top, bottom])


def ill_conditioned(
    n: int,
    *,
    alpha: float,
    condition: float,
    rng: np.random.Generator,
) -> Array:
    """Return a random ``n × n`` matrix with singular values from ``alpha`` down.

    The singular values are log-spaced from ``alpha`` to ``alpha / condition``; the
    singular vectors are random orthogonal matrices (QR of Gaussian matrices).

    Parameters
    ----------
    n
        Size, ``>= 1``, with ``n²`` at most :data:`MAX_ENTRIES`.
    alpha
        Largest singular value, ``> 0``.
    condition
        Ratio of the largest to the smallest singular value, ``>= 1``. Rounding in
        the product ``U diag(σ) Vᵀ`` perturbs the singular values by about
        ``n ε alpha`` (``ε`` the float64 epsilon), so ``condition · n · ε`` must be
        below ``0.01``: the smallest singular value is then accurate to 1%.
    rng
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        The ``n × n`` matrix.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> F = ill_conditioned(4, alpha=2.0, condition=1e6, rng=rng)
    >>> s = np.linalg.svd(F, compute_uv=False)
    >>> round(float(s[0]), 9), round(float(s[0] / s[-1]) / 1e6, 6)
    (2.0, 1.0)
    """
    size = as_int(n, "n", minimum=1)
    check_size(
        size * size,
        MAX_ENTRIES,
        f"n={size} needs n² = {size * size} entries",
        limit_name="dlhw.gd.MAX_ENTRIES",
    )
    top = as_positive_float(alpha, "alpha")
    cond = as_positive_float(condition, "condition")
    if cond < 1:
        raise ValueError(f"condition must be >= 1, got {condition!r}")
    if cond * size * np.finfo(np.float64).eps >= 0.01:
        raise ValueError(
            f"condition must be below 0.01 / (n ε) = {0.01 / (size * np.finfo(float).eps):.3g}"
            f" for n = {size}: rounding (about n ε alpha) would swamp the smallest singular "
            f"value alpha / condition; got {condition!r}"
        )
    if top / cond < np.finfo(np.float64).tiny:
        raise ValueError(
            f"alpha / condition = {top:.3g} / {cond:.3g} underflows float64: the smallest "
            "singular value would be lost"
        )
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    U, _ = np.linalg.qr(rng.normal(size=(size, size)))
    V, _ = np.linalg.qr(rng.normal(size=(size, size)))
    singular = top * np.logspace(0.0, -np.log10(cond), size)
    return np.asarray((U * singular) @ V.T, dtype=np.float64)
