r"""Jacobians versus vector–Jacobian products, for :math:`f(x) = v v^\top x`.

The map :math:`f(x) = u\,(v^\top x)` (with :math:`u = v` by default, the problem's
:math:`f(x) = v v^\top x`) has the Jacobian :math:`J = u v^\top`: forming it costs
:math:`\Theta(n^2)` time and memory. A vector–Jacobian product never needs it:
:math:`J^\top y = v\,(u^\top y)` is one dot product and one scaling, :math:`O(n)`.
(With :math:`u = v` the Jacobian is symmetric, so :math:`J^\top y = J y`; a distinct
``u`` makes a transposition mistake visible.)

The module computes both in closed form and through torch (``torch.func.jacrev``,
``torch.autograd.functional.jacobian``, ``torch.func.vjp`` and
``torch.autograd.grad(..., grad_outputs=y)``), times them over a range of ``n``,
fits the exponent of the growth on log–log axes, and measures the ratio
(forward + backward time) / (forward time) behind the rule that reverse mode costs a
small constant times the function it differentiates. :func:`count_operations` counts
the scalar multiplications and additions of a numpy computation exactly, by running it
on numbers that record their own arithmetic.
"""

from __future__ import annotations

import numbers
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any, Literal

import numpy as np
import threadpoolctl  # type: ignore[import-untyped]
import torch
from numpy.typing import ArrayLike, NDArray

from dlhw.validation import (
    as_generator,
    as_int,
    as_positive_float,
    as_real_array,
)

Array = NDArray[np.float64]

#: Largest ``n`` for which an explicit ``n × n`` Jacobian is formed (128 MiB in float64).
MAX_JACOBIAN_N = 4096
#: Largest ``n`` of the timed and measured vector–Jacobian products (80 MB per vector).
MAX_VJP_N = 10**7
#: Largest number of timing repeats.
MAX_REPEATS = 100
#: Largest number of calls in one timing repeat.
MAX_NUMBER = 2**24
#: Longest target duration of one timing repeat, in seconds.
MAX_MIN_SECONDS = 10.0
#: Most threads :func:`time_call` hands to BLAS and torch.
MAX_THREADS = 1024


def _vectors(v: ArrayLike, u: ArrayLike | None) -> tuple[Array, Array]:
    va = as_real_array(v, "v", ndim=1)
    if u is None:
        return va, va
    ua = as_real_array(u, "u", ndim=1)
    if ua.shape != va.shape:
        raise ValueError(f"u must have the shape of v {va.shape}, got {ua.shape}")
    return va, ua


def _culprits(u: object, *others: str) -> str:
    """Name the vectors a product overflowed from (``v``, then ``u`` if given, then others)."""
    names = ["v", *(["u"] if u is not None else []), *others]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _finite(values: ArrayLike, names: str, what: str) -> Array:
    """Return ``values`` as float64 if every entry is finite; else refuse the inputs ``names``.

    Valid but huge inputs (entries of size ``1e200``) make products of two of them
    overflow: an infinity or NaN there is not an answer.
    """
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{names} out of range: {what} overflows float64 (got inf or NaN); rescale "
            f"{names} (f is linear in each, so the result scales with them)"
        )
    return array


def _same_length(value: ArrayLike, name: str, n: int) -> Array:
    array = as_real_array(value, name, ndim=1)
    if array.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) like v, got {array.shape}")
    return array


def _guard_n(n: int, max_n: object) -> None:
    limit = as_int(max_n, "max_n", minimum=1)
    if n > limit:
        raise ValueError(
            f"v has n={n} entries: J would take {8 * n * n / 2**20:.0f} MiB; the limit is "
            f"max_n={limit} (pass a larger max_n to go beyond)"
        )


def rank_one_map(v: ArrayLike, x: ArrayLike, *, u: ArrayLike | None = None) -> Array:
    """Evaluate ``f(x) = u (vᵀx)``, which is ``v vᵀ x`` for the default ``u = v``.

    Parameters
    ----------
    v, x
        Vectors of length ``n``.
    u
        Optional output direction (length ``n``); defaults to ``v``.

    Returns
    -------
    numpy.ndarray
        ``f(x)``, shape ``(n,)``, in ``O(n)`` operations.

    Raises
    ------
    TypeError, ValueError
        For non-numeric, empty, non-finite or mismatched vectors, or vectors so large
        that ``f(x)`` overflows float64.

    Examples
    --------
    >>> rank_one_map([1, 2, 3], [1, 0, 0])
    array([1., 2., 3.])
    """
    va, ua = _vectors(v, u)
    xa = _same_length(x, "x", va.size)
    with np.errstate(over="ignore", invalid="ignore"):
        value = ua * (va @ xa)
    return _finite(value, _culprits(u, "x"), "f(x) = u (vᵀx)")


def jacobian(v: ArrayLike, *, u: ArrayLike | None = None, max_n: int = MAX_JACOBIAN_N) -> Array:
    """Form the explicit Jacobian ``J = u vᵀ`` of :func:`rank_one_map` (``v vᵀ`` by default).

    Parameters
    ----------
    v
        Vector of length ``n``.
    u
        Optional output direction; defaults to ``v``.
    max_n
        Refuse ``n > max_n`` (the matrix takes ``8 n²`` bytes).

    Returns
    -------
    numpy.ndarray
        ``J`` with ``J[i, j] = ∂f_i/∂x_j = u_i v_j``, shape ``(n, n)``: ``Θ(n²)`` time
        and memory.

    Raises
    ------
    TypeError, ValueError
        For bad vectors, ``n > max_n``, or entries so large that ``J`` overflows float64.

    Examples
    --------
    >>> jacobian([1, 2, 3])
    array([[1., 2., 3.],
           [2., 4., 6.],
           [3., 6., 9.]])
    """
    va, ua = _vectors(v, u)
    _guard_n(va.size, max_n)
    with np.errstate(over="ignore", invalid="ignore"):
        J = np.outer(ua, va)
    return _finite(J, _culprits(u), "the Jacobian J = u vᵀ")


def vjp(v: ArrayLike, y: ArrayLike, *, u: ArrayLike | None = None) -> Array:
    """Compute the vector–Jacobian product ``Jᵀy = v (uᵀy)`` without forming ``J``.

    Parameters
    ----------
    v, y
        Vectors of length ``n``.
    u
        Optional output direction; defaults to ``v``.

    Returns
    -------
    numpy.ndarray
        ``Jᵀy``, shape ``(n,)``: one dot product and one scaling, ``O(n)``.

    Raises
    ------
    TypeError, ValueError
        For bad or mismatched vectors, or entries so large that ``Jᵀy`` overflows float64.

    Examples
    --------
    >>> vjp([1, 2, 3], [1, 1, 1])
    array([ 6., 12., 18.])
    """
    va, ua = _vectors(v, u)
    ya = _same_length(y, "y", va.size)
    with np.errstate(over="ignore", invalid="ignore"):
        value = va * (ua @ ya)
    return _finite(value, _culprits(u, "y"), "the VJP v (uᵀy)")


def _torch_map(v: Array, u: Array) -> Callable[[torch.Tensor], torch.Tensor]:
    vt, ut = torch.from_numpy(v), torch.from_numpy(u)
    return lambda x: ut * (vt @ x)


def _point(x: ArrayLike | None, n: int) -> torch.Tensor:
    return (
        torch.zeros(n, dtype=torch.float64)
        if x is None
        else torch.from_numpy(_same_length(x, "x", n))
    )


def jacobian_by_torch(
    v: ArrayLike,
    *,
    x: ArrayLike | None = None,
    u: ArrayLike | None = None,
    method: Literal["jacrev", "functional"] = "jacrev",
    max_n: int = MAX_JACOBIAN_N,
) -> Array:
    """Form the Jacobian of :func:`rank_one_map` with torch autodiff, in float64.

    Parameters
    ----------
    v
        Vector of length ``n``.
    x
        The point of evaluation (zeros by default; ``f`` is linear, so ``J`` is the same
        everywhere).
    u
        Optional output direction; defaults to ``v``.
    method
        ``"jacrev"`` (``torch.func.jacrev``: one VJP per output, vectorised) or
        ``"functional"`` (``torch.autograd.functional.jacobian``).
    max_n
        Refuse ``n > max_n``.

    Returns
    -------
    numpy.ndarray
        ``J``, shape ``(n, n)``.

    Raises
    ------
    TypeError, ValueError
        For bad vectors, an unknown method, ``n > max_n``, or an overflow of ``J``.

    Examples
    --------
    >>> jacobian_by_torch([1, 2, 3], method="functional")
    array([[1., 2., 3.],
           [2., 4., 6.],
           [3., 6., 9.]])
    """
    va, ua = _vectors(v, u)
    _guard_n(va.size, max_n)
    f, point = _torch_map(va, ua), _point(x, va.size)
    if method == "jacrev":
        J = torch.func.jacrev(f)(point)
    elif method == "functional":
        J = torch.autograd.functional.jacobian(f, point)  # type: ignore[no-untyped-call]
    else:
        raise ValueError(f"method must be 'jacrev' or 'functional', got {method!r}")
    return _finite(J.numpy(), _culprits(u), "the Jacobian J = u vᵀ")


def vjp_by_torch(
    v: ArrayLike,
    y: ArrayLike,
    *,
    x: ArrayLike | None = None,
    u: ArrayLike | None = None,
    method: Literal["vjp", "grad"] = "vjp",
) -> Array:
    """Compute ``Jᵀy`` with torch reverse mode, in float64, without forming ``J``.

    Parameters
    ----------
    v, y
        Vectors of length ``n``.
    x
        The point of evaluation (zeros by default).
    u
        Optional output direction; defaults to ``v``.
    method
        ``"vjp"`` (``torch.func.vjp``) or ``"grad"``
        (``torch.autograd.grad(f(x), x, grad_outputs=y)``).

    Returns
    -------
    numpy.ndarray
        ``Jᵀy``, shape ``(n,)``.

    Raises
    ------
    TypeError, ValueError
        For bad vectors, an unknown method, or an overflow of ``Jᵀy``.

    Examples
    --------
    >>> vjp_by_torch([1, 2, 3], [1, 1, 1], method="grad")
    array([ 6., 12., 18.])
    """
    va, ua = _vectors(v, u)
    cotangent = torch.from_numpy(_same_length(y, "y", va.size))
    f, point = _torch_map(va, ua), _point(x, va.size)
    if method == "vjp":
        result = _torch_vjp(f, point, cotangent)
    elif method == "grad":
        leaf = point.clone().requires_grad_(True)
        (result,) = torch.autograd.grad(f(leaf), leaf, grad_outputs=cotangent)
    else:
        raise ValueError(f"method must be 'vjp' or 'grad', got {method!r}")
    return _finite(result.detach().numpy(), _culprits(u, "y"), "the VJP v (uᵀy)")


# ------------------------------------------------------------------ timing


@contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """Limit BLAS and torch to ``count`` threads inside the block (``None``: no limit)."""
    if count is None:
        yield
        return
    previous = torch.get_num_threads()
    with threadpoolctl.threadpool_limits(limits=count):
        torch.set_num_threads(count)
        try:
            yield
        finally:
            torch.set_num_threads(previous)


def time_call(
    fn: Callable[[], object],
    *,
    repeats: int = 5,
    min_seconds: float = 1e-3,
    threads: int | None = 1,
) -> float:
    """Time ``fn()``: the minimum over ``repeats`` of the mean time per call.

    Each repeat runs ``fn`` ``number`` times in a row, with ``number`` doubled from 1
    until one run lasts at least ``min_seconds`` (so the clock's resolution does not
    matter); the minimum over repeats is the least disturbed by other processes. By
    default BLAS and torch run on one thread while timing (restored afterwards), so
    that the growth with ``n`` is not blurred by threads competing for the cores.

    Parameters
    ----------
    fn
        A callable without arguments.
    repeats
        Number of repeats, ``1..MAX_REPEATS``.
    min_seconds
        Target duration of one repeat, ``(0, MAX_MIN_SECONDS]``.
    threads
        Threads allowed to BLAS and torch while timing, ``1..MAX_THREADS``; ``None``
        leaves them as they are.

    Returns
    -------
    float
        Seconds per call, measured with ``time.perf_counter``.

    Raises
    ------
    TypeError, ValueError
        If ``fn`` is not callable or ``repeats``/``min_seconds``/``threads`` is out of
        range (``threads`` at most :data:`MAX_THREADS`).

    Examples
    --------
    >>> t = time_call(lambda: sum(range(100)), repeats=3)
    >>> t > 0
    True
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    count = as_int(repeats, "repeats", minimum=1)
    if count > MAX_REPEATS:
        raise ValueError(f"repeats must be <= MAX_REPEATS={MAX_REPEATS}, got {count}")
    target = as_positive_float(min_seconds, "min_seconds")
    if target > MAX_MIN_SECONDS:
        raise ValueError(f"min_seconds must be <= {MAX_MIN_SECONDS}, got {target}")
    limit = (
        None
        if threads is None
        else as_int(
            threads,
            "threads",
            minimum=1,
            maximum=MAX_THREADS,
            limit_name="dlhw.jacobians.MAX_THREADS",
        )
    )

    def run(number: int) -> float:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return time.perf_counter() - start

    with _threads(limit):
        number = 1
        while run(number) < target and number < MAX_NUMBER:
            number *= 2
        return min(run(number) for _ in range(count)) / number


def _numpy_vjp(v: Array, y: Array) -> Array:
    return v * (v @ y)


def _torch_vjp(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    pullback = torch.func.vjp(f, x)[1]
    result: torch.Tensor = pullback(y)[0]
    return result


def _kernel(kind: str, backend: str, v: Array, y: Array) -> Callable[[], object]:
    """Return the bare computation that is measured: forming ``J = v vᵀ``, or ``Jᵀy``."""
    if backend == "numpy":
        return partial(np.outer, v, v) if kind == "jacobian" else partial(_numpy_vjp, v, y)
    f, x = _torch_map(v, v), torch.zeros(v.size, dtype=torch.float64)
    if kind == "jacobian":
        return partial(torch.func.jacrev(f), x)
    return partial(_torch_vjp, f, x, torch.from_numpy(y))


def _kernels(
    kind: str, ns: Sequence[int], backend: str, seed: object, max_n: int
) -> tuple[NDArray[np.int64], list[Callable[[], object]]]:
    """Validate the sizes and build one measured computation per size."""
    if isinstance(ns, str | bytes) or not isinstance(ns, Sequence | np.ndarray) or len(ns) == 0:
        raise TypeError("ns must be a non-empty sequence of integers")
    values = [as_int(n, "ns", minimum=1) for n in ns]  # Python ints: no overflow yet
    limit = as_int(max_n, "max_n", minimum=1)
    largest = max(values)
    if largest > limit:
        what = "an n x n Jacobian of" if kind == "jacobian" else "vectors of"
        power = 2 if kind == "jacobian" else 1
        if largest < 10**12:
            shown, memory = f"{largest}", f"{8 * largest**power / 2**20:.3g} MiB"
        else:  # too large for a float (10**400): say its order of magnitude
            digits = len(str(largest)) - 1
            shown, memory = f"about 10^{digits}", f"more than 10^{power * digits} bytes"
        raise ValueError(
            f"ns holds n={shown}, which needs {what} {memory}; the limit is "
            f"max_n={limit} (pass a larger max_n to go beyond)"
        )
    sizes = np.array(values, dtype=np.int64)
    if backend not in ("numpy", "torch"):
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    rng = as_generator(seed)
    vectors = [(rng.standard_normal(n), rng.standard_normal(n)) for n in sizes]
    return sizes, [_kernel(kind, backend, v, y) for v, y in vectors]


@dataclass(frozen=True)
class Timings:
    """Seconds per call (``seconds``), one entry per size ``n``."""

    n: NDArray[np.int64]
    seconds: Array


def time_jacobian(
    ns: Sequence[int],
    *,
    backend: Literal["numpy", "torch"] = "numpy",
    repeats: int = 5,
    min_seconds: float = 1e-3,
    seed: object = 0,
    max_n: int = MAX_JACOBIAN_N,
) -> Timings:
    """Time forming the Jacobian ``J = v vᵀ`` for each ``n`` in ``ns``.

    The timed call is the bare computation, without argument checks:
    ``numpy.outer(v, v)`` (``backend="numpy"``) or ``torch.func.jacrev(f)(x)``
    (``backend="torch"``), for a random ``v``.

    Parameters
    ----------
    ns
        Sizes, each in ``1..max_n``.
    backend
        ``"numpy"`` (closed form) or ``"torch"`` (autodiff).
    repeats, min_seconds
        As in :func:`time_call`.
    seed
        Seeds the random vectors.
    max_n
        Largest admissible size (``J`` takes ``8 n²`` bytes).

    Returns
    -------
    Timings

    Raises
    ------
    TypeError, ValueError
        For bad sizes, an unknown backend or bad timing settings.

    Examples
    --------
    >>> t = time_jacobian([8, 64], repeats=2, min_seconds=1e-4)
    >>> t.n.tolist(), t.seconds.shape
    ([8, 64], (2,))
    """
    sizes, calls = _kernels("jacobian", ns, backend, seed, max_n)
    seconds = [time_call(call, repeats=repeats, min_seconds=min_seconds) for call in calls]
    return Timings(sizes, np.array(seconds))


def time_vjp(
    ns: Sequence[int],
    *,
    backend: Literal["numpy", "torch"] = "numpy",
    repeats: int = 5,
    min_seconds: float = 1e-3,
    seed: object = 0,
    max_n: int = MAX_VJP_N,
) -> Timings:
    """Time the vector–Jacobian product ``Jᵀy = v (vᵀy)`` for each ``n`` in ``ns``.

    The timed call is ``v * (v @ y)`` (``backend="numpy"``) or the pullback of
    ``torch.func.vjp(f, x)`` applied to ``y`` (``backend="torch"``). It needs only
    ``O(n)`` memory, so ``ns`` can reach far beyond the sizes of :func:`time_jacobian`;
    below ``n ≈ 10⁴`` the time is dominated by the fixed cost of a call.

    Parameters
    ----------
    ns
        Sizes, each in ``1..max_n``.
    backend
        ``"numpy"`` or ``"torch"``.
    repeats, min_seconds
        As in :func:`time_call`.
    seed
        Seeds the random vectors.
    max_n
        Largest admissible size.

    Returns
    -------
    Timings

    Raises
    ------
    TypeError, ValueError
        For bad sizes, an unknown backend or bad timing settings.

    Examples
    --------
    >>> time_vjp([10, 10_000], backend="torch", repeats=2, min_seconds=1e-4).n.tolist()
    [10, 10000]
    """
    sizes, calls = _kernels("vjp", ns, backend, seed, max_n)
    seconds = [time_call(call, repeats=repeats, min_seconds=min_seconds) for call in calls]
    return Timings(sizes, np.array(seconds))


def peak_memory(fn: Callable[[], object]) -> int:
    """Return the peak bytes allocated while ``fn()`` runs, as traced by ``tracemalloc``.

    numpy reports its array buffers to ``tracemalloc``, so this measures the memory a
    numpy computation needs (including numpy's fixed ufunc buffers, up to about
    130 kB); torch's allocator is not traced.

    Parameters
    ----------
    fn
        A callable without arguments.

    Returns
    -------
    int
        Peak traced bytes above the level at the start.

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Examples
    --------
    >>> v = np.ones(1000)
    >>> peak_memory(lambda: np.outer(v, v)) >= 8 * 1000 * 1000
    True
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, peak - base)


@dataclass(frozen=True)
class Memory:
    """Peak bytes (``bytes``), one entry per size ``n``."""

    n: NDArray[np.int64]
    bytes: NDArray[np.int64]


def memory_jacobian(ns: Sequence[int], *, seed: object = 0, max_n: int = MAX_JACOBIAN_N) -> Memory:
    """Measure the peak memory of forming ``J = numpy.outer(v, v)`` for each ``n``.

    Parameters
    ----------
    ns
        Sizes, each in ``1..max_n``.
    seed
        Seeds the random vectors.
    max_n
        Largest admissible size.

    Returns
    -------
    Memory
        Bytes from :func:`peak_memory`: ``8 n²`` plus numpy's fixed buffers.

    Raises
    ------
    TypeError, ValueError
        For bad sizes.

    Examples
    --------
    >>> m = memory_jacobian([100, 1000])
    >>> bool(np.all(m.bytes >= 8 * m.n**2))
    True
    """
    sizes, calls = _kernels("jacobian", ns, "numpy", seed, max_n)
    return Memory(sizes, np.array([peak_memory(call) for call in calls], dtype=np.int64))


def memory_vjp(ns: Sequence[int], *, seed: object = 0, max_n: int = MAX_VJP_N) -> Memory:
    """Measure the peak memory of the VJP ``v * (v @ y)`` (numpy) for each ``n``.

    Parameters
    ----------
    ns
        Sizes, each in ``1..max_n``.
    seed
        Seeds the random vectors.
    max_n
        Largest admissible size.

    Returns
    -------
    Memory
        Bytes from :func:`peak_memory`: the ``8 n`` bytes of the result, and a little.

    Raises
    ------
    TypeError, ValueError
        For bad sizes.

    Examples
    --------
    >>> m = memory_vjp([1000, 100_000])
    >>> bool(np.all(m.bytes >= 8 * m.n)), bool(np.all(m.bytes < 9 * m.n + 1000))
    (True, True)
    """
    sizes, calls = _kernels("vjp", ns, "numpy", seed, max_n)
    return Memory(sizes, np.array([peak_memory(call) for call in calls], dtype=np.int64))


@dataclass(frozen=True)
class PowerLawFit:
    """Least-squares fit ``log t = log prefactor + exponent · log n``.

    ``stderr`` is the standard error of the exponent, from the residuals with
    ``len(n) − 2`` degrees of freedom (``numpy.polyfit(..., cov=True)``).
    """

    exponent: float
    stderr: float
    prefactor: float


def fit_power_law(n: ArrayLike, values: ArrayLike) -> PowerLawFit:
    """Fit ``values ≈ prefactor · n**exponent`` by least squares on log–log axes.

    Parameters
    ----------
    n
        Sizes, positive, at least three distinct values.
    values
        Positive measurements (seconds, bytes), one per size.

    Returns
    -------
    PowerLawFit
        The slope of ``log values`` against ``log n``, its standard error and the
        prefactor ``exp(intercept)``.

    Raises
    ------
    TypeError, ValueError
        For non-positive, non-finite or mismatched data, or fewer than three distinct
        sizes (a standard error needs at least one degree of freedom), or data so far
        from ``n ≈ 1`` that the prefactor leaves the normal float64 range.

    Examples
    --------
    >>> fit = fit_power_law([10, 100, 1000], [3e-6, 3e-4, 3e-2])
    >>> round(fit.exponent, 12), round(fit.stderr, 12), round(fit.prefactor, 12)
    (2.0, 0.0, 3e-08)
    """
    na = as_real_array(n, "n", ndim=1)
    va = as_real_array(values, "values", ndim=1)
    if va.shape != na.shape:
        raise ValueError(f"values must have one entry per size ({na.size}), got {va.shape}")
    for name, array in (("n", na), ("values", va)):
        if np.any(array <= 0):
            raise ValueError(f"{name} must be positive for a log-log fit")
    if np.unique(na).size < 3:
        raise ValueError(f"n must hold at least 3 distinct sizes for a standard error, got {na}")
    (slope, intercept), cov = np.polyfit(np.log(na), np.log(va), 1, cov=True)
    with np.errstate(over="ignore", under="ignore"):
        prefactor = float(np.exp(intercept))
    if not np.isfinite(prefactor) or prefactor < np.finfo(np.float64).tiny:
        raise ValueError(
            f"n and values are out of range: the prefactor exp({float(intercept):.4g}) of the "
            "fit is not a normal float64; rescale n (e.g. to sizes near 1) or values"
        )
    return PowerLawFit(float(slope), float(np.sqrt(cov[0, 0])), prefactor)


# ------------------------------------------------------------------ cheap gradients


@dataclass(frozen=True)
class Overhead:
    """Seconds of a forward pass, of forward + backward, and their ratio."""

    forward_seconds: float
    total_seconds: float
    ratio: float


def reverse_mode_overhead(
    forward: Callable[[], object],
    forward_and_backward: Callable[[], object],
    *,
    repeats: int = 5,
    min_seconds: float = 1e-3,
) -> Overhead:
    """Measure (forward + backward time) / (forward time) for any engine.

    Parameters
    ----------
    forward
        Runs the function once (no gradient bookkeeping).
    forward_and_backward
        Runs the function and its reverse pass once. For the book's engine
        ``dlhw.autodiff``: ``lambda: g.run_eval(out)`` and
        ``lambda: (g.run_eval(out), g.run_grad(out, upstream))``.
    repeats, min_seconds
        As in :func:`time_call`.

    Returns
    -------
    Overhead

    Raises
    ------
    TypeError, ValueError
        For non-callables or bad timing settings.

    Examples
    --------
    >>> x = np.ones(10_000)
    >>> o = reverse_mode_overhead(lambda: np.tanh(x), lambda: 1 - np.tanh(x) ** 2, repeats=2)
    >>> o.ratio == o.total_seconds / o.forward_seconds
    True
    """
    for name, fn in (("forward", forward), ("forward_and_backward", forward_and_backward)):
        if not callable(fn):
            raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
    t_forward = time_call(forward, repeats=repeats, min_seconds=min_seconds)
    t_total = time_call(forward_and_backward, repeats=repeats, min_seconds=min_seconds)
    return Overhead(t_forward, t_total, t_total / t_forward)


def torch_reverse_mode_overhead(
    fn: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    *,
    upstream: torch.Tensor | None = None,
    repeats: int = 5,
    min_seconds: float = 1e-3,
) -> Overhead:
    """Measure the reverse-mode overhead of a torch function at ``x``.

    The forward call is ``fn(x)`` under ``torch.no_grad()``; the forward-and-backward
    call is ``fn(x)`` on a leaf that requires grad followed by
    ``torch.autograd.grad(out, x, grad_outputs=upstream)``, a vector–Jacobian product.

    Parameters
    ----------
    fn
        A torch function of one tensor returning a tensor.
    x
        Floating-point input tensor.
    upstream
        The cotangent (shape of ``fn(x)``); ones by default.
    repeats, min_seconds
        As in :func:`time_call`.

    Returns
    -------
    Overhead

    Raises
    ------
    TypeError, ValueError
        For a non-callable ``fn``, a non-float ``x``, a non-tensor output or an
        ``upstream`` of the wrong shape.

    Examples
    --------
    >>> W = torch.randn(64, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> x = torch.ones(64, 64, dtype=torch.float64)
    >>> o = torch_reverse_mode_overhead(lambda v: torch.tanh(W @ v).sum(), x, repeats=2)
    >>> o.forward_seconds > 0 and o.total_seconds > 0
    True
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"x must be a floating-point torch.Tensor, got {type(x).__name__}")
    if x.numel() == 0 or not bool(torch.isfinite(x).all()):
        raise ValueError("x must be non-empty and finite")
    probe = fn(x.detach())
    if not isinstance(probe, torch.Tensor):
        raise TypeError(f"fn must return a torch.Tensor, got {type(probe).__name__}")
    if upstream is None:
        upstream = torch.ones_like(probe)
    elif not isinstance(upstream, torch.Tensor) or upstream.shape != probe.shape:
        raise ValueError(f"upstream must be a tensor of the output's shape {tuple(probe.shape)}")
    base, cotangent = x.detach(), upstream
    leaf = base.clone().requires_grad_(True)  # each call records a fresh graph from it

    def evaluate() -> object:
        with torch.no_grad():
            return fn(base)

    def evaluate_and_differentiate() -> object:
        return torch.autograd.grad(fn(leaf), leaf, grad_outputs=cotangent)

    return reverse_mode_overhead(
        evaluate, evaluate_and_differentiate, repeats=repeats, min_seconds=min_seconds
    )


# ------------------------------------------------------------------ operation counts


@dataclass
class OperationCount:
    """Scalar multiplications and additions of one computation (a subtraction is an addition)."""

    multiplications: int = 0
    additions: int = 0


class Counted:
    """An exact real number (a ``Fraction``) that records the arithmetic done with it.

    Every ``*`` adds one to ``tally.multiplications`` and every ``+`` or ``-`` of two
    numbers one to ``tally.additions``; negation is free. Other operations (division,
    powers, comparisons) are refused, so that nothing is done uncounted.

    Examples
    --------
    >>> tally = OperationCount()
    >>> a, b = Counted(2, tally), Counted(3, tally)
    >>> (a * b + a).value, tally
    (Fraction(8, 1), OperationCount(multiplications=1, additions=1))
    """

    __slots__ = ("tally", "value")

    def __init__(self, value: object, tally: OperationCount) -> None:
        self.value = _as_fraction(value)
        self.tally = tally

    def _new(self, value: Fraction) -> Counted:
        return Counted(value, self.tally)

    def __mul__(self, other: object) -> Counted:
        self.tally.multiplications += 1
        return self._new(self.value * _as_fraction(other))

    __rmul__ = __mul__

    def __add__(self, other: object) -> Counted:
        self.tally.additions += 1
        return self._new(self.value + _as_fraction(other))

    __radd__ = __add__

    def __sub__(self, other: object) -> Counted:
        self.tally.additions += 1
        return self._new(self.value - _as_fraction(other))

    def __rsub__(self, other: object) -> Counted:
        self.tally.additions += 1
        return self._new(_as_fraction(other) - self.value)

    def __neg__(self) -> Counted:
        return self._new(-self.value)

    def __repr__(self) -> str:
        return f"Counted({self.value})"


def _as_fraction(value: object) -> Fraction:
    if isinstance(value, Counted):
        return value.value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Counted arithmetic needs real numbers, got {type(value).__name__}")
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    as_float = float(value)
    if not np.isfinite(as_float):
        raise ValueError(f"Counted numbers must be finite, got {value}")
    return Fraction(as_float)


def count_operations(
    fn: Callable[..., Any], *arrays: ArrayLike
) -> tuple[OperationCount, NDArray[Any]]:
    """Run ``fn(*arrays)`` on counting numbers; return the counts and the exact result.

    Each entry of each array becomes a :class:`Counted` (exactly: a float becomes the
    fraction it represents) in an object array of the same shape, all sharing one
    tally; numpy then performs ``fn``'s arithmetic with Python operators, one per
    scalar operation, so the tally is the exact number of multiplications and additions
    of that numpy code (``numpy.outer``, ``@``, ``*``, ``+``, sums, ...).

    Parameters
    ----------
    fn
        A function of numpy arrays that uses only ``*``, ``+`` and ``-``.
    *arrays
        Its arguments: finite real arrays (or numbers).

    Returns
    -------
    tuple
        The :class:`OperationCount`, and the result as an object array of ``Fraction``
        (0-D for a scalar result).

    Raises
    ------
    TypeError
        If ``fn`` is not callable, an argument is not real, or the result holds values
        that were not computed with counting numbers.
    ValueError
        For non-finite entries, or no arrays.

    Examples
    --------
    >>> count, z = count_operations(lambda v, y: v * (v @ y), [1, 2, 3], [1, 1, 1])
    >>> count, [int(e) for e in z]
    (OperationCount(multiplications=6, additions=2), [6, 12, 18])
    >>> count_operations(np.outer, [1, 2, 3], [1, 2, 3])[0]
    OperationCount(multiplications=9, additions=0)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if not arrays:
        raise ValueError("count_operations needs at least one array")
    tally = OperationCount()
    wrapped = []
    for array in arrays:
        plain = np.asarray(array)
        if plain.dtype.kind not in "iuf":
            raise TypeError(f"arrays must hold real numbers, got dtype {plain.dtype}")
        boxed = np.empty(plain.shape, dtype=object)
        for index, entry in np.ndenumerate(plain):
            boxed[index] = Counted(entry.item(), tally)
        wrapped.append(boxed)
    result = np.asarray(fn(*wrapped), dtype=object)
    values = np.empty(result.shape, dtype=object)
    for index, entry in np.ndenumerate(result):
        if not isinstance(entry, Counted):
            raise TypeError(
                f"fn returned {type(entry).__name__} entries: only *, + and - of the counted "
                "inputs are counted"
            )
        values[index] = entry.value
    return OperationCount(tally.multiplications, tally.additions), values
