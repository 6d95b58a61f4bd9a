r"""Implicit bias of gradient methods on over-parameterised least squares.

The problem is :math:`\min_w L(w) = \frac1n\|Xw - t\|_2^2` with ``X`` of shape
``(n, d)``; its gradient is :math:`\nabla L(w) = \frac2n X^\top(Xw - t)`. When
``d > n`` there are infinitely many minimisers, and *which* one an optimiser reaches is
decided by the optimiser, not by the loss:

* gradient descent, SGD and mini-batch SGD move only along rows of ``X``, so from
  ``w_0`` they end at ``X^+ t + P_null w_0`` (the minimum-norm solution when ``w_0`` is
  in the row space, for instance ``w_0 = 0``);
* AdaGrad, RMSProp and Adam rescale each coordinate, leave the row space, and end
  elsewhere: on the example ``x_1 = [2, 1]``, ``t_1 = 2`` AdaGrad ends at
  ``[2/3, 2/3]`` instead of ``[4/5, 2/5]``.

The module gives the full trajectories of all six methods (written out, so that every
step can be inspected), the row-space tools, the exact 2-D example, the sign
construction of Wilson et al. (2017), and the polynomial-regression experiment whose
test error shows double descent.

Every trajectory is an array of shape ``(steps + 1, d)`` whose row ``k`` is ``w_k``.
With ``eps = 0`` the adaptive methods use the convention that a coordinate whose
gradients have all been zero so far does not move (the limit ``eps -> 0`` of
``0 / (0 + eps) = 0``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy
from numpy.polynomial import legendre
from numpy.typing import ArrayLike, NDArray
from scipy import linalg

from dlhw import gd
from dlhw.validation import (
    as_generator,
    as_int,
    as_positive_float,
    as_real_array,
    check_size,
    finite_result,
    scale_exponent,
)

FloatArray = NDArray[np.float64]

#: Largest number of steps of one trajectory.
MAX_STEPS = 1_000_000
#: Largest number of floats a recorded trajectory may hold, ``(steps + 1) * d``.
MAX_TRAJECTORY_ENTRIES = 50_000_000
#: Largest polynomial degree of :func:`double_descent` and :func:`legendre_features`.
MAX_DEGREE = 2_000
#: Largest number of least-squares fits (trials times degrees) of :func:`double_descent`.
MAX_FITS = 200_000
#: Largest ``steps * pairs`` of :func:`two_d_adagrad`.
MAX_PAIR_STEPS = 100_000_000
#: Largest number of samples (training ``n``, test grid ``n_test``, Wilson rows x ``d``).
MAX_SAMPLES = 10_000_000
#: Steps whose mini-batches are drawn at once (bounds the memory of the draw).
_CHUNK = 1_024


# --------------------------------------------------------------------------- input


def _asarray(value: object, name: str) -> NDArray[Any]:
    """``np.asarray(value)``, with a ragged list or an unreadable object named ``name``."""
    if value is None or isinstance(value, str | bytes):
        raise TypeError(f"{name} must be an array, got {type(value).__name__}")
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a rectangular array of numbers: {err}") from None


def _problem(X: ArrayLike, t: ArrayLike, label: str = "t") -> tuple[FloatArray, FloatArray]:
    """Validate a data matrix ``X (n, d)`` and labels ``t (n,)`` (named ``label``)."""
    A = as_real_array(X, "X", ndim=2)
    b = as_real_array(t, label, ndim=1)
    if b.shape[0] != A.shape[0]:
        raise ValueError(
            f"{label} must have one entry per row of X ({A.shape[0]}), got {b.shape[0]}"
        )
    return A, b


def _points(w: ArrayLike, d: int, name: str) -> FloatArray:
    """Validate one point ``(d,)`` or a stack of points ``(k, d)``."""
    W = as_real_array(w, name)
    if W.ndim not in (1, 2) or W.shape[-1] != d:
        raise ValueError(f"{name} must have shape ({d},) or (k, {d}), got {W.shape}")
    return W


def _start(w0: ArrayLike | None, d: int) -> FloatArray:
    if w0 is None:
        return np.zeros(d)
    w = as_real_array(w0, "w0", ndim=1)
    if w.shape != (d,):
        raise ValueError(f"w0 must have shape ({d},) like a row of X, got {w.shape}")
    return w


def _steps(steps: object, d: int) -> int:
    """Validate a step count and guard the memory of the recorded trajectory."""
    count = as_int(steps, "steps", minimum=0)
    if count > MAX_STEPS:
        raise ValueError(
            f"steps must be at most {MAX_STEPS:,}, got {count:,}; "
            "raise dlhw.implicit_bias.MAX_STEPS to go beyond"
        )
    if (count + 1) * d > MAX_TRAJECTORY_ENTRIES:
        raise ValueError(
            f"steps = {count:,} with d = {d} would record {(count + 1) * d:,} numbers, more "
            f"than {MAX_TRAJECTORY_ENTRIES:,}; use fewer steps or raise "
            "dlhw.implicit_bias.MAX_TRAJECTORY_ENTRIES"
        )
    return count


def _fraction(value: object, name: str) -> float:
    """Validate a number in ``[0, 1)`` (a decay rate such as RMSProp's ``rho``)."""
    result = as_positive_float(value, name, allow_zero=True)
    if result >= 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return result


def _stable_step(X: FloatArray) -> float:
    """``n / lambda_max(X^T X)``, the step limit of full-batch gradient descent on ``L``."""
    top = float(np.linalg.norm(X, 2))  # n / top**2 without squaring (top may be 1e200)
    return X.shape[0] / top / top if top > 0 else np.inf


def _finite(W: FloatArray, method: str, eta: float, X: FloatArray) -> FloatArray:
    """Raise a clear error instead of returning an overflowed trajectory."""
    bad = ~np.all(np.isfinite(W), axis=1)
    if bad.any():
        raise ValueError(
            f"eta = {eta!r} makes {method} diverge on this X: the iterates overflowed at step "
            f"{int(np.argmax(bad))}; use a smaller step (for reference, full-batch "
            f"gradient descent on (1/n)||Xw - t||^2 needs eta < n / lambda_max(X^T X) "
            f"= {_stable_step(X):.6g})"
        )
    return W


def _finite_adaptive(W: FloatArray, method: str) -> FloatArray:
    """Refuse an overflowed path: adaptive steps are bounded by ``eta``, so the data overflowed."""
    bad = ~np.all(np.isfinite(W), axis=1)
    if bad.any():
        raise ValueError(
            f"X and t are too large for {method}: the gradients overflowed float64 at step "
            f"{int(np.argmax(bad))}; rescale X and t"
        )
    return W


def _divide(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """``numerator / denominator`` with the convention ``0 / 0 = 0`` (see module)."""
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


# --------------------------------------------------------------- loss and gradient


def loss(X: ArrayLike, t: ArrayLike, w: ArrayLike) -> FloatArray:
    """Return ``L(w) = (1/n) ||X w - t||^2`` for one point or for each row of a stack.

    Parameters
    ----------
    X
        Data matrix ``(n, d)``, one example per row.
    t
        Labels ``(n,)``.
    w
        One point ``(d,)`` or points ``(k, d)`` as rows (for instance a trajectory).

    Returns
    -------
    numpy.ndarray
        A 0-d array for one point, else the ``k`` losses.

    Raises
    ------
    ValueError
        If the shapes do not match or an entry is NaN or infinite.

    Examples
    --------
    >>> float(loss([[2.0, 1.0]], [2.0], [0.0, 0.0]))
    4.0
    >>> loss([[2.0, 1.0]], [2.0], [[0.8, 0.4], [2 / 3, 2 / 3]]).round(12)
    array([0., 0.])
    """
    A, b = _problem(X, t)
    W = _points(w, A.shape[1], "w")
    residual = W @ A.T - b
    return finite_result((residual * residual).mean(axis=-1), "X, t and w", "the loss")


def gradient(X: ArrayLike, t: ArrayLike, w: ArrayLike) -> FloatArray:
    """Return ``grad L(w) = (2/n) X^T (X w - t)`` for one point or each row of a stack.

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.
    t
        Labels ``(n,)``.
    w
        One point ``(d,)`` or points ``(k, d)``.

    Returns
    -------
    numpy.ndarray
        The gradient, with the shape of ``w``.

    Raises
    ------
    ValueError
        If the shapes do not match or an entry is NaN or infinite.

    Examples
    --------
    At the origin of the 2-D example the gradient is ``-4 [2, 1]``:

    >>> gradient([[2.0, 1.0]], [2.0], [0.0, 0.0])
    array([-8., -4.])
    """
    A, b = _problem(X, t)
    W = _points(w, A.shape[1], "w")
    return finite_result((2.0 / A.shape[0]) * ((W @ A.T - b) @ A), "X, t and w", "the gradient")


# -------------------------------------------------------------------- trajectories


def gd_path(
    X: ArrayLike, t: ArrayLike, eta: float, steps: int, *, w0: ArrayLike | None = None
) -> FloatArray:
    """Run gradient descent ``w_{k+1} = w_k - eta (2/n) X^T (X w_k - t)``.

    Gradient descent with step ``eta`` on ``(1/n)||Xw - t||^2`` is :func:`dlhw.gd.gd`
    (which minimises the unscaled ``||Xw - t||^2``) with step ``eta / n``; this
    function validates its arguments under the names used here and calls it.

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.
    t
        Labels ``(n,)``.
    eta
        Step size ``> 0``; the iteration converges for ``eta < n / lambda_max(X^T X)``.
    steps
        Number of steps, ``>= 0``.
    w0
        Starting point ``(d,)``; zero by default.

    Returns
    -------
    numpy.ndarray
        The iterates ``w_0, ..., w_steps`` as rows, shape ``(steps + 1, d)``.

    Raises
    ------
    ValueError
        On bad shapes or values, if ``(steps + 1) d`` exceeds
        :data:`MAX_TRAJECTORY_ENTRIES`, or if the iterates overflow (``eta`` too large).

    Examples
    --------
    From zero, gradient descent on the 2-D example moves along ``[2, 1]`` and ends at
    the minimum-norm solution ``[4/5, 2/5]``:

    >>> W = gd_path([[2.0, 1.0]], [2.0], 0.05, 200)
    >>> W[1], W[-1].round(12)
    (array([0.4, 0.2]), array([0.8, 0.4]))
    """
    A, b = _problem(X, t)
    step = as_positive_float(eta, "eta")
    count = _steps(steps, A.shape[1])
    start = _start(w0, A.shape[1])
    try:
        W, _ = gd.gd(A, b, step / A.shape[0], count, w0=start)
    except ValueError as err:  # dlhw.gd refuses a run that overflows, in its own units
        if "overflow" not in str(err):
            raise
        raise ValueError(
            f"eta = {step!r} makes gradient descent diverge on this X, or t or w0 is too "
            f"large: the run overflowed float64 (gradient descent on (1/n)||Xw - t||^2 "
            f"needs eta < n / lambda_max(X^T X) = {_stable_step(A):.6g})"
        ) from None
    return _finite(W, "gradient descent", step, A)


@dataclass(frozen=True)
class SGDPath:
    """A recorded SGD trajectory and the mini-batches that produced it.

    Attributes
    ----------
    w
        The iterates ``w_0, ..., w_steps`` as rows, shape ``(steps + 1, d)``.
    batches
        The row indices used at each step, shape ``(steps, batch_size)``; pass them
        back as ``batches=`` to replay the run.
    """

    w: FloatArray
    batches: NDArray[np.intp]


def _draw_batches(rng: np.random.Generator, steps: int, n: int, size: int) -> NDArray[np.intp]:
    """Independent batches: one uniform index (size 1) or ``size`` distinct rows."""
    if size == 1:
        return rng.integers(0, n, size=(steps, 1)).astype(np.intp)
    out = np.empty((steps, size), dtype=np.intp)
    for begin in range(0, steps, _CHUNK):
        stop = min(begin + _CHUNK, steps)
        keys = rng.random((stop - begin, n))  # a random ordering of the rows per step
        out[begin:stop] = np.argsort(keys, axis=1)[:, :size]
    return out


def _given_batches(batches: ArrayLike, steps: int, n: int) -> NDArray[np.intp]:
    array = _asarray(batches, "batches")
    if array.dtype == bool or array.dtype.kind not in "iu":
        raise TypeError(f"batches must be an integer array, got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[0] != steps or array.shape[1] < 1:
        raise ValueError(
            f"batches must have shape (steps, batch_size) = ({steps}, b), got {array.shape}"
        )
    if array.size and (array.min() < 0 or array.max() >= n):
        raise ValueError(f"batches must hold row indices in 0..{n - 1}")
    return array.astype(np.intp)


def sgd_path(
    X: ArrayLike,
    t: ArrayLike,
    eta: float,
    steps: int,
    *,
    batch_size: int = 1,
    seed: int | np.random.Generator | None = None,
    w0: ArrayLike | None = None,
    batches: ArrayLike | None = None,
) -> SGDPath:
    """Run SGD or mini-batch SGD on ``(1/n)||Xw - t||^2`` and record every iterate.

    Step ``k`` uses a batch ``B_k`` of rows and the gradient of the batch loss
    ``(1/b) ||X_B w - t_B||^2``:
    ``w_{k+1} = w_k - eta (2/b) X_B^T (X_B w_k - t_B)``. With ``batch_size = 1`` the
    batch is one index drawn uniformly with replacement; with ``batch_size = b > 1`` it
    is ``b`` distinct rows drawn uniformly; batches of different steps are independent.
    Each step adds a combination of rows of ``X``, so ``w_k - w_0`` stays in the row
    space of ``X``.

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.
    t
        Labels ``(n,)``.
    eta
        Step size ``> 0``.
    steps
        Number of steps, ``>= 0``.
    batch_size
        Rows per step, ``1 <= batch_size <= n``.
    seed
        Seed or generator of the batches.
    w0
        Starting point ``(d,)``; zero by default.
    batches
        Optional integer array ``(steps, b)`` of row indices to use instead of random
        ones (then ``batch_size`` and ``seed`` are ignored).

    Returns
    -------
    SGDPath
        The iterates ``(steps + 1, d)`` and the batches ``(steps, b)``.

    Raises
    ------
    ValueError
        On bad shapes or values, a batch size outside ``1..n``, too long a run, or
        overflowing iterates.
    TypeError
        If ``batches`` is not an integer array.

    Examples
    --------
    >>> X, t = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), np.array([1.0, 2.0])
    >>> run = sgd_path(X, t, 0.2, 300, seed=0)
    >>> run.w.shape, run.batches.shape
    ((301, 3), (300, 1))
    >>> bool(np.allclose(run.w[-1], np.linalg.pinv(X) @ t))
    True
    """
    A, b = _problem(X, t)
    n, d = A.shape
    step = as_positive_float(eta, "eta")
    count = _steps(steps, d)
    if batches is None:
        size = as_int(batch_size, "batch_size", minimum=1)
        if size > n:
            raise ValueError(f"batch_size must be at most n = {n}, got {size}")
        idx = _draw_batches(as_generator(seed), count, n, size)
    else:
        idx = _given_batches(batches, count, n)
    W = np.empty((count + 1, d))
    W[0] = _start(w0, d)
    scale = 2.0 * step / idx.shape[1]
    with np.errstate(over="ignore", invalid="ignore"):
        for k, rows in enumerate(idx):
            B = A[rows]
            W[k + 1] = W[k] - scale * ((B @ W[k] - b[rows]) @ B)
    return SGDPath(w=_finite(W, "SGD", step, A), batches=idx)


def _adaptive(
    X: ArrayLike,
    t: ArrayLike,
    eta: float,
    steps: int,
    *,
    eps: float,
    w0: ArrayLike | None,
) -> tuple[FloatArray, FloatArray, float, int, float, FloatArray]:
    """Validate the arguments shared by the adaptive methods; allocate the path."""
    A, b = _problem(X, t)
    step = as_positive_float(eta, "eta")
    count = _steps(steps, A.shape[1])
    floor = as_positive_float(eps, "eps", allow_zero=True)
    W = np.empty((count + 1, A.shape[1]))
    W[0] = _start(w0, A.shape[1])
    return A, b, step, count, floor, W


def adagrad_path(
    X: ArrayLike,
    t: ArrayLike,
    eta: float,
    steps: int,
    *,
    eps: float = 1e-10,
    w0: ArrayLike | None = None,
) -> FloatArray:
    """Run AdaGrad (Duchi, Hazan and Singer 2011) on ``(1/n)||Xw - t||^2``.

    With ``g_k = grad L(w_k)`` and ``G_k = G_{k-1} + g_k^2`` (per coordinate, from
    ``G_{-1} = 0``), the step is ``w_{k+1} = w_k - eta g_k / (sqrt(G_k) + eps)``.
    ``sqrt(G_k)`` is accumulated as ``hypot(sqrt(G_{k-1}), g_k)``, which never
    overflows or underflows in ``g_k^2``. With ``eps = 0`` a coordinate whose
    gradients have all been zero does not move. This is ``torch.optim.Adagrad`` with
    ``lr = eta`` and ``eps = eps`` (no learning-rate decay, zero initial accumulator).

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.
    t
        Labels ``(n,)``.
    eta
        Step size ``> 0``; every coordinate moves by at most ``eta`` per step.
    steps
        Number of steps, ``>= 0``.
    eps
        The constant ``eps >= 0`` added to ``sqrt(G_k)``.
    w0
        Starting point ``(d,)``; zero by default.

    Returns
    -------
    numpy.ndarray
        The iterates as rows, shape ``(steps + 1, d)``.

    Raises
    ------
    ValueError
        On bad shapes or values (``eta <= 0``, ``eps < 0``, NaN, ...) or too long a run.

    Examples
    --------
    On the 2-D example with ``eps = 0`` every step points along ``[1, 1]`` and the
    limit is ``[2/3, 2/3]``, not the minimum-norm ``[4/5, 2/5]``:

    >>> W = adagrad_path([[2.0, 1.0]], [2.0], 0.1, 500, eps=0.0)
    >>> bool(np.all(W[:, 0] == W[:, 1])), (3 * W[-1]).round(12)
    (True, array([2., 2.]))
    """
    A, b, step, count, floor, W = _adaptive(X, t, eta, steps, eps=eps, w0=w0)
    scale = 2.0 / A.shape[0]
    root = np.zeros(A.shape[1])  # sqrt(G_k)
    for k in range(count):
        g = scale * ((A @ W[k] - b) @ A)
        root = np.hypot(root, g)
        W[k + 1] = W[k] - step * _divide(g, root + floor)
    return _finite_adaptive(W, "AdaGrad")


def rmsprop_path(
    X: ArrayLike,
    t: ArrayLike,
    eta: float,
    steps: int,
    *,
    rho: float = 0.99,
    eps: float = 1e-8,
    w0: ArrayLike | None = None,
) -> FloatArray:
    """Run RMSProp on ``(1/n)||Xw - t||^2``.

    ``v_k = rho v_{k-1} + (1 - rho) g_k^2`` (from ``v_{-1} = 0``) and
    ``w_{k+1} = w_k - eta g_k / (sqrt(v_k) + eps)``; ``sqrt(v_k)`` is accumulated with
    ``hypot`` as in :func:`adagrad_path`. This is ``torch.optim.RMSprop`` with
    ``lr = eta``, ``alpha = rho``, ``eps = eps`` and no momentum or centring.

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.
    t
        Labels ``(n,)``.
    eta
        Step size ``> 0``.
    steps
        Number of steps, ``>= 0``.
    rho
        Decay of the squared-gradient average, in ``[0, 1)``.
    eps
        The constant ``eps >= 0`` added to ``sqrt(v_k)``.
    w0
        Starting point ``(d,)``; zero by default.

    Returns
    -------
    numpy.ndarray
        The iterates as rows, shape ``(steps + 1, d)``.

    Raises
    ------
    ValueError
        On bad shapes or values, ``rho`` outside ``[0, 1)``, or too long a run.

    Examples
    --------
    >>> W = rmsprop_path([[2.0, 1.0]], [2.0], 0.01, 3, eps=0.0)
    >>> W[1]  # the first step is eta / sqrt(1 - rho) along -sign(g)
    array([0.1, 0.1])
    """
    A, b, step, count, floor, W = _adaptive(X, t, eta, steps, eps=eps, w0=w0)
    keep = _fraction(rho, "rho")
    scale = 2.0 / A.shape[0]
    root = np.zeros(A.shape[1])  # sqrt(v_k)
    for k in range(count):
        g = scale * ((A @ W[k] - b) @ A)
        root = np.hypot(np.sqrt(keep) * root, np.sqrt(1.0 - keep) * g)
        W[k + 1] = W[k] - step * _divide(g, root + floor)
    return _finite_adaptive(W, "RMSProp")


def adam_path(
    X: ArrayLike,
    t: ArrayLike,
    eta: float,
    steps: int,
    *,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    w0: ArrayLike | None = None,
) -> FloatArray:
    """Run Adam (Kingma and Ba 2015) on ``(1/n)||Xw - t||^2``.

    ``m_k = beta1 m_{k-1} + (1 - beta1) g_k``, ``v_k = beta2 v_{k-1} + (1 - beta2)
    g_k^2`` (both from 0), bias corrections ``m_k / (1 - beta1^{k+1})`` and
    ``sqrt(v_k / (1 - beta2^{k+1}))``, and
    ``w_{k+1} = w_k - eta * corrected m / (corrected sqrt(v) + eps)``. This is
    ``torch.optim.Adam`` with ``lr = eta``, ``betas = (beta1, beta2)``, ``eps = eps``
    (no weight decay, no AMSGrad).

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.
    t
        Labels ``(n,)``.
    eta
        Step size ``> 0``.
    steps
        Number of steps, ``>= 0``.
    beta1, beta2
        Decays of the first and second moments, each in ``[0, 1)``.
    eps
        The constant ``eps >= 0`` added to the corrected ``sqrt(v_k)``.
    w0
        Starting point ``(d,)``; zero by default.

    Returns
    -------
    numpy.ndarray
        The iterates as rows, shape ``(steps + 1, d)``.

    Raises
    ------
    ValueError
        On bad shapes or values, a ``beta`` outside ``[0, 1)``, or too long a run.

    Examples
    --------
    The first Adam step moves every coordinate with a nonzero gradient by ``eta``:

    >>> adam_path([[2.0, 1.0]], [2.0], 0.01, 1, eps=0.0)[1]
    array([0.01, 0.01])
    """
    A, b, step, count, floor, W = _adaptive(X, t, eta, steps, eps=eps, w0=w0)
    first, second = _fraction(beta1, "beta1"), _fraction(beta2, "beta2")
    scale = 2.0 / A.shape[0]
    m = np.zeros(A.shape[1])
    root = np.zeros(A.shape[1])  # sqrt(v_k)
    for k in range(count):
        g = scale * ((A @ W[k] - b) @ A)
        m = first * m + (1.0 - first) * g
        root = np.hypot(np.sqrt(second) * root, np.sqrt(1.0 - second) * g)
        m_hat = m / (1.0 - first ** (k + 1))
        root_hat = root / np.sqrt(1.0 - second ** (k + 1))
        W[k + 1] = W[k] - step * _divide(m_hat, root_hat + floor)
    return _finite_adaptive(W, "Adam")


# ----------------------------------------------------------------------- row space


def row_space_basis(X: ArrayLike) -> FloatArray:
    """Return an orthonormal basis of the row space of ``X`` as columns, ``(d, r)``.

    ``r`` is the numerical rank (SVD, :func:`scipy.linalg.orth` on ``X^T``).

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.

    Returns
    -------
    numpy.ndarray
        ``Q`` of shape ``(d, r)`` with ``Q^T Q = I_r`` and ``Q Q^T`` the orthogonal
        projector onto the span of the rows.

    Examples
    --------
    >>> row_space_basis([[2.0, 1.0]]).round(6)
    array([[0.894427],
           [0.447214]])
    """
    A = as_real_array(X, "X", ndim=2)
    return np.asarray(linalg.orth(A.T), dtype=np.float64)


def null_component(X: ArrayLike, w: ArrayLike) -> FloatArray:
    """Return ``P_null w``, the part of ``w`` orthogonal to the row space of ``X``.

    No step of GD, SGD or mini-batch SGD changes it: every update is a combination of
    rows of ``X``.

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.
    w
        One point ``(d,)`` or points ``(k, d)``.

    Returns
    -------
    numpy.ndarray
        ``w - Q Q^T w`` with ``Q`` from :func:`row_space_basis`, shape of ``w``.

    Examples
    --------
    >>> null_component([[2.0, 1.0]], [1.0, 3.0]).round(12)
    array([-1.,  2.])
    """
    A = as_real_array(X, "X", ndim=2)
    W = _points(w, A.shape[1], "w")
    Q = row_space_basis(A)
    return np.asarray(W - (W @ Q) @ Q.T)


def distance_to_row_space(X: ArrayLike, w: ArrayLike) -> FloatArray:
    """Return the Euclidean distance of ``w`` (or of each row of a stack) to the row space.

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.
    w
        One point ``(d,)`` or points ``(k, d)``, for instance a whole trajectory.

    Returns
    -------
    numpy.ndarray
        ``||P_null w||``: a 0-d array for one point, else ``k`` distances.

    Examples
    --------
    >>> X = [[2.0, 1.0]]
    >>> distance_to_row_space(X, gd_path(X, [2.0], 0.05, 3)).round(12)
    array([0., 0., 0., 0.])
    >>> round(float(distance_to_row_space(X, [1.0, 3.0])) ** 2, 12)
    5.0
    """
    N = null_component(X, w)
    e = scale_exponent(N) if np.any(N) else 0  # the norm of entries of size 1e200 is finite
    return np.asarray(np.ldexp(np.linalg.norm(np.ldexp(N, -e), axis=-1), e))


def predicted_limit(X: ArrayLike, t: ArrayLike, w0: ArrayLike | None = None) -> FloatArray:
    """Return ``X^+ t + P_null w_0``: where GD, SGD and mini-batch SGD end from ``w_0``.

    ``X^+ t`` is the minimum-norm least-squares solution. Gradient descent (small
    enough step) converges to this point for every ``X``; SGD and mini-batch SGD with
    a constant step converge to it when ``X w = t`` is solvable (interpolation), for
    instance when ``X`` is wide with full row rank.

    Parameters
    ----------
    X
        Data matrix ``(n, d)``.
    t
        Labels ``(n,)``.
    w0
        Starting point ``(d,)``; zero by default (then the limit is ``X^+ t``).

    Returns
    -------
    numpy.ndarray
        The limit, shape ``(d,)``.

    Examples
    --------
    >>> predicted_limit([[2.0, 1.0]], [2.0]).round(12)
    array([0.8, 0.4])
    >>> predicted_limit([[2.0, 1.0]], [2.0], w0=[1.0, 3.0]).round(12)
    array([-0.2,  2.4])
    """
    A, b = _problem(X, t)
    start = _start(w0, A.shape[1])
    base = np.linalg.lstsq(A, b, rcond=None)[0]  # the minimum-norm least-squares point
    return np.asarray(base + null_component(A, start))


# -------------------------------------------------------------- the 2-D example


@dataclass(frozen=True)
class TwoDExample:
    """Exact facts about the example ``x_1 = [2, 1]``, ``t_1 = 2`` (``n = 1``, ``d = 2``).

    Attributes
    ----------
    w
        The unknowns ``(w1, w2)`` as a sympy column.
    x1, t1
        The example: column ``[2, 1]`` and label ``2``.
    line
        The solutions of ``x_1^T w = t_1``: ``Eq(2 w1 + w2, 2)``.
    gradient
        ``grad L(w) = 2 (x_1^T w - t_1) x_1`` (``n = 1``).
    gd_direction
        The unit direction of every GD step from 0: ``[2, 1] / sqrt(5)``.
    gd_limit, gd_norm2
        The minimum-norm solution ``x_1 (x_1^T x_1)^{-1} t_1 = [4/5, 2/5]`` and its
        squared norm ``4/5``.
    r, a, eta, eps
        Symbols of AdaGrad's argument: the residual ``r = x_1^T w_k - t_1``, the
        scale ``a = sqrt(G_{k,2})``, the step size and the constant ``eps``.
    adagrad_step
        The AdaGrad step ``-eta g / (sqrt(G) + eps)`` written with ``g = 2 r x_1`` and
        ``sqrt(G) = a [2, 1]`` (every past gradient is a multiple of ``x_1``).
    adagrad_direction
        The unit direction of every AdaGrad step when ``eps = 0``: ``[1, 1] / sqrt(2)``.
    adagrad_limit, adagrad_norm2
        Where the line ``w1 = w2`` meets the solution line: ``[2/3, 2/3]``, squared
        norm ``8/9``.
    offset_bound
        For ``w_0 = 0`` and ``0 < eta <= 2/3``: a bound, in ``eps``, on the distance
        from AdaGrad's limit to ``[2/3, 2/3]``, namely
        ``2 sqrt(5) eps / (3 (24 + 5 eps))`` (see :func:`two_d_example`).
    """

    w: sympy.Matrix
    x1: sympy.Matrix
    t1: sympy.Integer
    line: sympy.Eq
    gradient: sympy.Matrix
    gd_direction: sympy.Matrix
    gd_limit: sympy.Matrix
    gd_norm2: sympy.Expr
    r: sympy.Symbol
    a: sympy.Symbol
    eta: sympy.Symbol
    eps: sympy.Symbol
    adagrad_step: sympy.Matrix
    adagrad_direction: sympy.Matrix
    adagrad_limit: sympy.Matrix
    adagrad_norm2: sympy.Expr
    offset_bound: sympy.Expr


def two_d_example() -> TwoDExample:
    r"""Build the exact objects of the example ``x_1 = [2, 1]``, ``t_1 = 2``.

    The limits are computed, not typed: GD's as ``x_1 (x_1^T x_1)^{-1} t_1``,
    AdaGrad's by solving ``w1 = w2`` together with the solution line.

    The ``eps > 0`` bound. Write ``u = w1 - w2`` and ``a_k = sqrt(G_{k,2})``. Every
    gradient is ``2 r_k [2, 1]``, so ``sqrt(G_{k,1}) = 2 a_k`` and the two coordinates
    move by ``-4 eta r_k / (2 a_k + eps)`` and ``-2 eta r_k / (a_k + eps)``; hence
    ``Delta u_k = Delta w2_k * eps / (2 a_k + eps)`` exactly. From ``w_0 = 0``,
    ``a_k >= a_0 = 4``; the residual shrinks by the factor
    ``1 - eta (8 / (2 a_k + eps) + 2 / (a_k + eps))``, which lies in ``[0, 1)`` when
    ``eta <= 2/3``, so ``r_k < 0`` keeps its sign, ``w2`` increases and ``u >= 0``.
    Summing, ``u_inf <= eps / (8 + eps) * w2_inf`` and, on the solution line,
    ``w2_inf = (2 - 2 u_inf) / 3``; solving gives ``u_inf <= 2 eps / (24 + 5 eps)``,
    and the distance to ``[2/3, 2/3]`` is ``u_inf sqrt(5) / 3``.

    Returns
    -------
    TwoDExample
        The exact objects (see its attributes).

    Examples
    --------
    >>> ex = two_d_example()
    >>> ex.line
    Eq(2*w1 + w2, 2)
    >>> ex.gd_limit.T, ex.gd_norm2, ex.adagrad_limit.T, ex.adagrad_norm2
    (Matrix([[4/5, 2/5]]), 4/5, Matrix([[2/3, 2/3]]), 8/9)
    >>> sympy.simplify(ex.adagrad_step.subs(ex.eps, 0))  # equal coordinates
    Matrix([
    [-2*eta*r/a],
    [-2*eta*r/a]])
    """
    w1, w2 = sympy.symbols("w1 w2", real=True)
    r = sympy.Symbol("r", real=True)
    a, eta = sympy.symbols("a eta", positive=True)
    eps = sympy.Symbol("epsilon", nonnegative=True)
    w = sympy.Matrix([w1, w2])
    x1 = sympy.Matrix([2, 1])
    t1 = sympy.Integer(2)
    residual = (x1.T * w)[0] - t1
    grad = 2 * residual * x1
    start = -grad.subs({w1: 0, w2: 0})
    gd_limit = x1 * (x1.T * x1).inv() * t1
    g = 2 * r * x1
    root_g = a * x1  # sqrt(G_k) = a [2, 1] (x1 has positive entries)
    step = sympy.Matrix([-eta * g[i] / (root_g[i] + eps) for i in range(2)])
    at_zero = sympy.simplify(step.subs(eps, 0))
    ada = sympy.solve([sympy.Eq(w1, w2), sympy.Eq(residual, 0)], [w1, w2], dict=True)[0]
    ada_limit = sympy.Matrix([ada[w1], ada[w2]])
    return TwoDExample(
        w=w,
        x1=x1,
        t1=t1,
        line=sympy.Eq(residual + t1, t1),
        gradient=grad,
        gd_direction=start / start.norm(),
        gd_limit=gd_limit,
        gd_norm2=(gd_limit.T * gd_limit)[0],
        r=r,
        a=a,
        eta=eta,
        eps=eps,
        adagrad_step=step,
        adagrad_direction=sympy.simplify(at_zero / at_zero[0]).normalized(),
        adagrad_limit=ada_limit,
        adagrad_norm2=(ada_limit.T * ada_limit)[0],
        offset_bound=2 * sympy.sqrt(5) * eps / (3 * (24 + 5 * eps)),
    )


def two_d_adagrad(eta: ArrayLike, eps: ArrayLike, steps: int) -> FloatArray:
    """Run AdaGrad on the 2-D example for many ``(eta, eps)`` pairs at once, from 0.

    The pairs advance together as one array (``eta`` and ``eps`` broadcast against
    each other); only the final iterates are kept. This shares no code with
    :func:`adagrad_path`, so each can witness the other.

    Parameters
    ----------
    eta
        Step sizes ``> 0`` (a number or an array).
    eps
        Constants ``>= 0`` (a number or an array), broadcast with ``eta``.
    steps
        Number of steps, ``>= 0``.

    Returns
    -------
    numpy.ndarray
        Final iterates, shape ``broadcast(eta, eps).shape + (2,)``.

    Raises
    ------
    ValueError
        If an ``eta`` is not ``> 0``, an ``eps`` is negative, or the arrays do not
        broadcast.

    Examples
    --------
    >>> (3 * two_d_adagrad([0.1, 0.5], 0.0, 400)).round(9)
    array([[2., 2.],
           [2., 2.]])
    """
    rates = as_real_array(np.atleast_1d(_asarray(eta, "eta")), "eta")
    floors = as_real_array(np.atleast_1d(_asarray(eps, "eps")), "eps")
    if np.any(rates <= 0):
        raise ValueError("eta must be > 0 everywhere")
    if np.any(floors < 0):
        raise ValueError("eps must be >= 0 everywhere")
    try:
        rates, floors = np.broadcast_arrays(rates, floors)
    except ValueError:
        raise ValueError(
            f"eta and eps must broadcast together, got shapes {rates.shape} and {floors.shape}"
        ) from None
    count = as_int(steps, "steps", minimum=0)
    if count * rates.size > MAX_PAIR_STEPS:
        raise ValueError(
            f"steps * pairs = {count * rates.size:,} exceeds {MAX_PAIR_STEPS:,}; use fewer "
            "pairs or steps, or raise dlhw.implicit_bias.MAX_PAIR_STEPS"
        )
    shape = np.shape(np.broadcast(np.asarray(eta), np.asarray(eps)))
    x = np.array([2.0, 1.0])
    w = np.zeros((*rates.shape, 2))
    root = np.zeros((*rates.shape, 2))
    eta_, eps_ = rates[..., None], floors[..., None]
    for _ in range(count):
        g = 2.0 * ((w @ x) - 2.0)[..., None] * x
        root = np.hypot(root, g)
        w = w - eta_ * _divide(g, root + eps_)
    return w.reshape((*shape, 2))


# ----------------------------------------------------- the sign construction


def _rational_matrix(values: FloatArray) -> sympy.Matrix:
    """Exact sympy copy of a float array (every float is a dyadic rational)."""
    return sympy.Matrix(
        [[sympy.Rational(Fraction(float(v))) for v in row] for row in np.atleast_2d(values)]
    )


def sign_solution(X: ArrayLike, y: ArrayLike) -> sympy.Matrix:
    """Return ``sign(X^T y) / c`` when ``X sign(X^T y) = c y``, exactly.

    Lemma (Wilson et al. 2017). If ``X sign(X^T y) = c y``, then AdaGrad, RMSProp and
    Adam with ``eps = 0``, started at 0 on ``||Xw - y||^2``, stay on the ray of
    ``s = sign(X^T y)``: if ``w_k = lambda_k s`` then ``X w_k - y = (lambda_k c - 1) y``,
    every gradient is a multiple of ``X^T y``, every accumulated scale is a multiple of
    ``|X^T y|``, and every step is a multiple of ``X^T y / |X^T y| = s``. The only
    interpolating point on the ray is ``s / c``. Necessarily
    ``c = ||X^T y||_1 / ||y||^2 >= 0``.

    Parameters
    ----------
    X
        Data matrix ``(n, d)`` (integers or floats; floats are used exactly).
    y
        Labels ``(n,)``, not all zero.

    Returns
    -------
    sympy.Matrix
        The column ``s / c`` with exact rational entries.

    Raises
    ------
    ValueError
        If ``X^T y = 0`` or ``X s`` is not a multiple of ``y`` (the lemma does not apply).

    Examples
    --------
    For one example the condition always holds: ``x^T sign(x t) = sign(t) ||x||_1``.

    >>> sign_solution([[2, 1]], [2]).T
    Matrix([[2/3, 2/3]])
    >>> sign_solution([[1, 0], [0, 1]], [1, 2])
    Traceback (most recent call last):
    ...
    ValueError: X sign(X^T y) must be a multiple of y for the sign construction, got ...
    """
    A, b = _problem(X, y, "y")
    Xs, ys = _rational_matrix(A), _rational_matrix(b[None, :]).T
    s = (Xs.T * ys).applyfunc(sympy.sign)
    if all(v == 0 for v in s):
        raise ValueError("X^T y must not be zero for the sign construction")
    v = Xs * s
    c = (ys.T * v)[0] / (ys.T * ys)[0]
    if v != c * ys:
        raise ValueError(
            "X sign(X^T y) must be a multiple of y for the sign construction, got "
            f"X sign(X^T y) = {list(v)} against y = {list(ys)}"
        )
    return sympy.Matrix(s / c)


def wilson_dataset(labels: ArrayLike) -> NDArray[np.int64]:
    """Return the data matrix of the construction of Wilson et al. (2017), Sec. 3.3.

    Row ``i`` (label ``y_i`` in ``{-1, +1}``) has feature 0 equal to ``y_i``, features
    1 and 2 equal to 1, and its own block of five columns ``3 + 5i, ..., 7 + 5i`` in
    which the first one (``y_i = +1``) or all five (``y_i = -1``) are 1. So
    ``d = 5n + 3``. When positives outnumber negatives, ``X sign(X^T y) = 4 y``, and
    :func:`sign_solution` gives the adaptive methods' limit ``sign(X^T y) / 4``. (This
    layout is reconstructed from memory of the paper, which pads to ``d = 6n``;
    all-zero columns change nothing, since their gradient is always zero.)

    Parameters
    ----------
    labels
        Integer array of ``+1`` and ``-1``, with more ``+1`` than ``-1``.

    Returns
    -------
    numpy.ndarray
        Integer matrix ``(n, 5n + 3)``.

    Raises
    ------
    ValueError
        If a label is not ``+-1`` or the positives do not outnumber the negatives
        (then ``X sign(X^T y)`` is not a multiple of ``y``).
    TypeError
        If the labels are not integers.

    Examples
    --------
    >>> y = np.array([1, 1, -1])
    >>> X = wilson_dataset(y)
    >>> X.shape, X[:, :3].tolist(), X[:, 3:].sum(axis=1).tolist()
    ((3, 18), [[1, 1, 1], [1, 1, 1], [-1, 1, 1]], [1, 1, 5])
    >>> (X @ np.sign(X.T @ y)).tolist()
    [4, 4, -4]
    """
    y = _labels(labels)
    n = y.shape[0]
    if (y > 0).sum() <= (y < 0).sum():
        raise ValueError(
            "labels must have more +1 than -1 entries, got "
            f"{int((y > 0).sum())} positive and {int((y < 0).sum())} negative"
        )
    X = np.zeros((n, 5 * n + 3), dtype=np.int64)
    X[:, 0] = y
    X[:, 1:3] = 1
    for i, label in enumerate(y):
        width = 1 if label > 0 else 5
        X[i, 3 + 5 * i : 3 + 5 * i + width] = 1
    return X


def _labels(labels: ArrayLike) -> NDArray[np.int64]:
    if isinstance(labels, str | bytes):
        raise TypeError("labels must be an integer array of +1 and -1, got a string")
    y = _asarray(labels, "labels")
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {y.shape}")
    if y.dtype == bool or y.dtype.kind not in "iu":
        raise TypeError(f"labels must be an integer array of +1 and -1, got dtype {y.dtype}")
    if not np.all(np.abs(y) == 1):
        raise ValueError("labels must contain only +1 and -1")
    return y.astype(np.int64)


def wilson_test_features(labels: ArrayLike, d: int) -> NDArray[np.int64]:
    """Return test rows ``[y, 1, 1, 0, ..., 0]`` of width ``d`` for the construction.

    A fresh test point has feature 0 equal to its label, features 1 and 2 equal to 1,
    and its own block of new columns, which no training run ever moves (their gradient
    is zero); restricted to the training columns it is ``[y, 1, 1, 0, ..., 0]``.

    Parameters
    ----------
    labels
        Integer array of ``+1`` and ``-1``.
    d
        Number of training columns, ``>= 3``.

    Returns
    -------
    numpy.ndarray
        Integer matrix ``(len(labels), d)``.

    Examples
    --------
    >>> wilson_test_features([1, -1], 5)
    array([[ 1,  1,  1,  0,  0],
           [-1,  1,  1,  0,  0]])
    """
    y = _labels(labels)
    width = as_int(
        d, "d", minimum=3, maximum=MAX_SAMPLES, limit_name="dlhw.implicit_bias.MAX_SAMPLES"
    )
    check_size(
        y.shape[0] * width,
        MAX_SAMPLES,
        f"d={width} with {y.shape[0]} labels needs {y.shape[0] * width} entries",
        limit_name="dlhw.implicit_bias.MAX_SAMPLES",
    )
    rows = np.zeros((y.shape[0], width), dtype=np.int64)
    rows[:, 0] = y
    rows[:, 1:3] = 1
    return rows


# ------------------------------------------------- polynomial regression (S1-Q3.5)


def _inputs(x: ArrayLike) -> FloatArray:
    points = as_real_array(x, "x", ndim=1)
    if np.any(np.abs(points) > 1):
        raise ValueError("x must lie in [-1, 1], the interval of the Legendre polynomials")
    return points


def _degree(degree: object) -> int:
    D = as_int(degree, "degree", minimum=0)
    if D > MAX_DEGREE:
        raise ValueError(
            f"degree must be at most {MAX_DEGREE}, got {D}; raise "
            "dlhw.implicit_bias.MAX_DEGREE to go beyond"
        )
    return D


def legendre_features(x: ArrayLike, degree: int) -> FloatArray:
    """Return the Legendre features ``[P_0(x), ..., P_D(x)]`` of points in ``[-1, 1]``.

    Parameters
    ----------
    x
        Points ``(n,)`` in ``[-1, 1]``.
    degree
        Highest degree ``D >= 0``.

    Returns
    -------
    numpy.ndarray
        The matrix ``(n, D + 1)`` of :func:`numpy.polynomial.legendre.legvander`.

    Raises
    ------
    ValueError
        If a point lies outside ``[-1, 1]`` or the degree is negative or too large.

    Examples
    --------
    >>> legendre_features([-1.0, 0.0, 1.0], 2)
    array([[ 1. , -1. ,  1. ],
           [ 1. ,  0. , -0.5],
           [ 1. ,  1. ,  1. ]])
    """
    return np.asarray(legendre.legvander(_inputs(x), _degree(degree)))


def fit_poly(x: ArrayLike, t: ArrayLike, degree: int) -> FloatArray:
    """Fit a polynomial of degree ``D`` in the Legendre basis by (minimum-norm) least squares.

    For ``D + 1 <= n`` (and distinct points) the least-squares coefficients are
    unique; for ``D + 1 > n`` the fit interpolates and the coefficients are the ones of
    minimum Euclidean norm, ``pinv(Phi) t`` -- the point gradient descent from zero
    reaches. :func:`numpy.linalg.lstsq` returns exactly this in both regimes.

    Parameters
    ----------
    x
        Inputs ``(n,)`` in ``[-1, 1]``.
    t
        Targets ``(n,)``.
    degree
        Polynomial degree ``D >= 0``.

    Returns
    -------
    numpy.ndarray
        Legendre coefficients ``(D + 1,)``; evaluate with
        :func:`numpy.polynomial.legendre.legval`.

    Raises
    ------
    ValueError
        On bad shapes or values.

    Examples
    --------
    >>> 3 * fit_poly([-1.0, 0.0, 1.0], [1.0, 0.0, 1.0], 2).round(12)  # x^2 = (P0 + 2 P2) / 3
    array([1., 0., 2.])
    """
    points = _inputs(x)
    targets = as_real_array(t, "t", ndim=1)
    if targets.shape != points.shape:
        raise ValueError(
            f"t must have one entry per point of x ({points.size}), got {targets.size}"
        )
    Phi = legendre.legvander(points, _degree(degree))
    return np.asarray(np.linalg.lstsq(Phi, targets, rcond=None)[0])


def _target(x: FloatArray) -> FloatArray:
    return np.asarray(np.sin(np.pi * x))


def _evaluate(f: Callable[[FloatArray], FloatArray], x: FloatArray) -> FloatArray:
    """Apply the target function, checking it returns finite values of the right shape."""
    values = np.asarray(f(x))
    if values.shape != x.shape or values.dtype.kind not in "iuf":
        raise ValueError(
            f"target must map an array of shape {x.shape} to real numbers of the same "
            f"shape, got {values.dtype} values of shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("target must return finite values (found NaN or inf)")
    return values.astype(np.float64)


@dataclass(frozen=True)
class DoubleDescent:
    """Train and test errors of polynomial fits against the degree, trial by trial.

    Attributes
    ----------
    n
        Number of training points.
    degrees
        The degrees ``D``, shape ``(m,)``.
    train_error
        Mean squared error on the training points, shape ``(trials, m)``.
    test_error
        Mean squared distance to the noiseless target on a grid, ``(trials, m)``.
    """

    n: int
    degrees: NDArray[np.int64]
    train_error: FloatArray
    test_error: FloatArray

    @property
    def median_train(self) -> FloatArray:
        """Median over trials of the training error, shape ``(m,)``."""
        return np.asarray(np.median(self.train_error, axis=0))

    @property
    def median_test(self) -> FloatArray:
        """Median over trials of the test error, shape ``(m,)``."""
        return np.asarray(np.median(self.test_error, axis=0))


def double_descent(
    n: int,
    degrees: ArrayLike,
    *,
    noise: float = 0.2,
    trials: int = 100,
    n_test: int = 1001,
    seed: int | np.random.Generator | None = None,
    target: Callable[[FloatArray], FloatArray] | None = None,
) -> DoubleDescent:
    """Fit polynomials of each degree to noisy samples and record train and test error.

    Each trial draws ``n`` stratified training inputs (one uniform point in each of
    the ``n`` equal cells of ``[-1, 1]``), labels ``t = f(x) + noise * N(0, 1)`` with
    ``f(x) = sin(pi x)`` by default, and fits every degree with :func:`fit_poly`. The
    test error is the mean of ``(fit - f)^2`` over ``n_test`` equally spaced points.
    The median test error peaks at the interpolation threshold ``D + 1 = n`` and falls
    again beyond it (double descent).

    Parameters
    ----------
    n
        Training points per trial, ``>= 1``.
    degrees
        Non-negative integer degrees, shape ``(m,)``.
    noise
        Standard deviation of the label noise, ``>= 0``.
    trials
        Independent trials, ``>= 1``.
    n_test
        Size of the test grid, ``>= 2``.
    seed
        Seed or generator.
    target
        The function ``f`` (vectorised over a 1-D array); ``sin(pi x)`` by default.

    Returns
    -------
    DoubleDescent
        Degrees and the per-trial errors (with their medians).

    Raises
    ------
    ValueError
        On bad values, or if ``trials * m`` exceeds :data:`MAX_FITS`.

    Examples
    --------
    >>> out = double_descent(8, [3, 7, 30], trials=20, seed=0)
    >>> out.test_error.shape
    (20, 3)
    >>> bool(out.median_test[1] > max(out.median_test[0], out.median_test[2]))
    True
    >>> bool(out.median_train[1] < 1e-20)  # D + 1 = n interpolates
    True
    """
    size = as_int(
        n, "n", minimum=1, maximum=MAX_SAMPLES, limit_name="dlhw.implicit_bias.MAX_SAMPLES"
    )
    array = _asarray(degrees, "degrees")
    if array.dtype == bool or array.dtype.kind not in "iu" or array.ndim != 1 or not array.size:
        raise TypeError(f"degrees must be a non-empty 1-D integer array, got {degrees!r}")
    if array.min() < 0 or array.max() > MAX_DEGREE:
        raise ValueError(f"degrees must lie in 0..{MAX_DEGREE}, got {array.min()}..{array.max()}")
    degs = array.astype(np.int64)
    sigma = as_positive_float(noise, "noise", allow_zero=True)
    count = as_int(trials, "trials", minimum=1)
    grid_size = as_int(
        n_test,
        "n_test",
        minimum=2,
        maximum=MAX_SAMPLES,
        limit_name="dlhw.implicit_bias.MAX_SAMPLES",
    )
    if count * degs.size > MAX_FITS:
        raise ValueError(
            f"trials * len(degrees) = {count * degs.size:,} fits exceeds {MAX_FITS:,}; "
            "raise dlhw.implicit_bias.MAX_FITS to go beyond"
        )
    if target is not None and not callable(target):
        raise TypeError(f"target must be a function of x or None, got {type(target).__name__}")
    f = _target if target is None else target
    rng = as_generator(seed)
    grid = np.linspace(-1.0, 1.0, grid_size)
    top = int(degs.max())
    grid_features = legendre.legvander(grid, top)
    truth = _evaluate(f, grid)
    train = np.empty((count, degs.size))
    test = np.empty((count, degs.size))
    for trial in range(count):
        x = -1.0 + 2.0 * (np.arange(size) + rng.random(size)) / size
        t = _evaluate(f, x) + sigma * rng.normal(size=size)
        features = legendre.legvander(x, top)
        coefs = np.zeros((top + 1, degs.size))  # column j: the fit of degree degs[j]
        for j, D in enumerate(degs):
            coefs[: D + 1, j] = np.linalg.lstsq(features[:, : D + 1], t, rcond=None)[0]
        train[trial] = np.mean((features @ coefs - t[:, None]) ** 2, axis=0)
        test[trial] = np.mean((grid_features @ coefs - truth[:, None]) ** 2, axis=0)
    finite_result(train, "noise and target", "the training errors")
    finite_result(test, "noise and target", "the test errors")
    return DoubleDescent(n=size, degrees=degs, train_error=train, test_error=test)
