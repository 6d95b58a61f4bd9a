"""A colour organ learned by gradient descent: first-order RC filters, fitted with autograd.

A colour organ lights one LED per frequency band. Each LED is driven by a passive RC
filter with a fixed capacitor ``C``; the resistors are the parameters. With
``x = 2π f R C`` (so the cutoff ``f_c = 1/(2πRC)`` is where ``x = 1``):

* low-pass ``|H| = 1/√(1 + x²)``, high-pass ``|H| = x/√(1 + x²)``;
* band-pass: a high-pass stage (resistor ``R[0]``, the lower edge) buffered into a
  low-pass stage (``R[1]``, the upper edge), so ``|H|`` is the product of the two.

Resistors are always the last axis of an array: shape ``(..., 1)`` for ``"low"`` and
``"high"``, ``(..., 2)`` for ``"band"``, ``(..., 4)`` for the whole organ (low, band lower
edge, band upper edge, high). Responses on a grid of ``n`` frequencies have shape
``(..., n)``. :func:`magnitude` is numpy, :func:`magnitude_torch` the same formula in
torch (differentiable in ``R``); :func:`magnitude_gradient` is the hand-derived
``∂|H|/∂R``, :func:`symbolic_magnitude` the sympy expression, :func:`autograd_gradient`
torch's answer: three computations of the same derivative.

Two losses compare a response with a target ``t`` (magnitudes or 0/1 labels): ``"mse"``,
the mean of ``(|H| - t)²``, and ``"power"``, the mean of ``(|H|² - t²)²``. On binary
labels the first is biased; the second is centred on the half-power level: ``|H|² - 1/2``
is odd in ``log(f/f_c)``, so on a grid symmetric about the cutoff the two sides balance
exactly there (:func:`symbolic_pair_gradient`).

:func:`fit` runs gradient descent on the resistors with ``torch.autograd.grad`` (many runs
at once; ``kind="organ"`` learns all four resistors jointly on one-hot targets),
:func:`convergence_sweep` maps steps-to-converge over initialisations and step sizes,
:func:`fit_bode` fits the two-ReLU Bode model of the band-pass, and
:func:`grad_fn_chain` prints the autograd graph of a loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
import sympy as sp
import torch
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from dlhw.validation import as_bool, as_int, as_positive_float, as_real_array, finite_result

Kind = Literal["low", "high", "band", "organ"]
Loss = Literal["mse", "power"]

#: Number of resistors of each circuit (the length of the last axis of ``resistors``).
N_RESISTORS = {"low": 1, "high": 1, "band": 2, "organ": 4}
#: What :func:`fit` reports per run: ``outcome`` indexes this tuple.
OUTCOMES = ("converged", "stalled", "diverged")
#: Runs whose resistor exceeds this (ohms) are stopped as diverged.
R_MAX = 1e7
#: Largest ``steps * runs`` that :func:`fit` and :func:`convergence_sweep` accept.
MAX_WORK = 5 * 10**7
#: Largest number of floats a recorded history (``(steps + 1) * runs * resistors``) may hold.
MAX_HISTORY = 2 * 10**7
#: Largest number of response values a numpy evaluation may produce.
MAX_VALUES = 10**8
#: Lines after which :func:`grad_fn_chain` stops.
MAX_CHAIN_NODES = 500


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch on one thread, then restore the caller's setting.

    These networks are tiny: extra threads only add overhead, and a fixed thread
    count keeps floating-point reductions, hence results, the same on every machine.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclass(frozen=True)
class Organ:
    """The circuit constants: one capacitor, the true resistors and the frequency grid.

    With ``C = 1 µF``, the low LED's resistor ``r_low = 400 Ω`` puts its cutoff at
    ``1/(2π·400·10⁻⁶) ≈ 398 Hz`` and the high LED's ``r_high = 80 Ω`` at ``≈ 1989 Hz``;
    the band LED reuses both (its lower edge is ``r_low``'s cutoff, its upper edge
    ``r_high``'s), so exactly one LED is on at every frequency. The grid is log-spaced
    over the audio range.

    Attributes
    ----------
    capacitance
        ``C`` in farads.
    r_low, r_high
        The true resistors in ohms; ``r_low > r_high`` (a lower cutoff needs a larger R).
    f_min, f_max, n_freq
        The grid: ``n_freq`` log-spaced frequencies from ``f_min`` to ``f_max`` hertz.

    Examples
    --------
    >>> organ = Organ()
    >>> round(organ.cutoffs()[0], 1), round(organ.cutoffs()[1], 1)
    (397.9, 1989.4)
    >>> organ.resistors("band")
    array([400.,  80.])
    """

    capacitance: float = 1e-6
    r_low: float = 400.0
    r_high: float = 80.0
    f_min: float = 20.0
    f_max: float = 20_000.0
    n_freq: int = 121

    def __post_init__(self) -> None:
        for name in ("capacitance", "r_low", "r_high", "f_min", "f_max"):
            as_positive_float(getattr(self, name), name)
        as_int(self.n_freq, "n_freq", minimum=2)
        if not self.r_low > self.r_high:
            raise ValueError(f"r_low must exceed r_high, got {self.r_low} and {self.r_high}")
        if not self.f_max > self.f_min:
            raise ValueError(f"f_max must exceed f_min, got {self.f_min} and {self.f_max}")

    def frequencies(self) -> NDArray[np.float64]:
        """Return the log-spaced grid, shape ``(n_freq,)``."""
        return np.geomspace(self.f_min, self.f_max, self.n_freq)

    def cutoffs(self) -> tuple[float, float]:
        """Return the cutoffs ``(f_low, f_high)`` in hertz of ``r_low`` and ``r_high``."""
        return (
            float(cutoff_frequency(self.r_low, self.capacitance)),
            float(cutoff_frequency(self.r_high, self.capacitance)),
        )

    def resistors(self, kind: Kind) -> NDArray[np.float64]:
        """Return the true resistors of one circuit (or of the whole organ), shape ``(k,)``."""
        _check_kind(kind)
        values = {
            "low": [self.r_low],
            "high": [self.r_high],
            "band": [self.r_low, self.r_high],
            "organ": [self.r_low, self.r_low, self.r_high, self.r_high],
        }[kind]
        return np.array(values, dtype=np.float64)


@dataclass(frozen=True)
class FitSettings:
    """Gradient-descent settings for the resistors.

    Attributes
    ----------
    lr
        Step size in ohms² per unit of loss (the loss is dimensionless, ``R`` in ohms, so
        a gradient is per ohm and ``lr · gradient`` must be ohms).
    steps
        Largest number of steps.
    loss_tol, grad_tol
        A run stops (converged) once its loss is ``<= loss_tol`` or every component of
        its gradient is ``<= grad_tol`` in absolute value (per ohm).

    Examples
    --------
    >>> FitSettings(lr=1e5).steps
    5000
    """

    lr: float = 1e6
    steps: int = 5000
    loss_tol: float = 1e-18
    grad_tol: float = 1e-12

    def __post_init__(self) -> None:
        as_positive_float(self.lr, "lr")
        as_int(self.steps, "steps", minimum=0)
        as_positive_float(self.loss_tol, "loss_tol", allow_zero=True)
        as_positive_float(self.grad_tol, "grad_tol", allow_zero=True)


# ----------------------------------------------------------------- the filters


def _check_kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in N_RESISTORS:
        raise ValueError(f"kind must be one of {tuple(N_RESISTORS)}, got {kind!r}")
    return kind


def _check_loss(loss: object) -> str:
    if loss not in ("mse", "power"):
        raise ValueError(f"loss must be 'mse' or 'power', got {loss!r}")
    return str(loss)


def _frequencies(f: ArrayLike, name: str = "f") -> NDArray[np.float64]:
    array = as_real_array(f, name, ndim=1)
    if np.any(array <= 0):
        raise ValueError(f"{name} must hold frequencies > 0 (hertz)")
    return array


def _resistors(resistors: ArrayLike, kind: str, name: str = "resistors") -> NDArray[np.float64]:
    array = as_real_array(resistors, name)
    k = N_RESISTORS[kind]
    if array.ndim == 0 or array.shape[-1] != k:
        raise ValueError(
            f"{name} must have last axis of length {k} for kind={kind!r}, got shape {array.shape}"
        )
    if np.any(array < 0):
        raise ValueError(f"{name} must be >= 0 ohms")
    return array


def _capacitance(capacitance: object) -> float:
    return as_positive_float(capacitance, "capacitance")


def _low(x: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
    return 1 / (1 + x**2) ** 0.5


def _high(x: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
    return x / (1 + x**2) ** 0.5


def _response(
    kind: str, omega_c: np.ndarray | torch.Tensor, R: np.ndarray | torch.Tensor
) -> np.ndarray | torch.Tensor:
    """``|H|`` from ``omega_c = 2π f C`` (shape ``(n,)``) and ``R`` (shape ``(..., k)``)."""
    x = [R[..., i, None] * omega_c for i in range(N_RESISTORS[kind])]
    if kind == "low":
        return _low(x[0])
    if kind == "high":
        return _high(x[0])
    if kind == "band":
        return _high(x[0]) * _low(x[1])
    rows = [_low(x[0]), _high(x[1]) * _low(x[2]), _high(x[3])]
    if isinstance(R, torch.Tensor):
        return torch.stack([r for r in rows if isinstance(r, torch.Tensor)], -2)
    return np.stack([np.asarray(r) for r in rows], -2)


def cutoff_frequency(R: ArrayLike, capacitance: float = 1e-6) -> NDArray[np.float64]:
    """Compute the cutoff ``f_c = 1/(2πRC)`` in hertz, where a first-order filter is at ``1/√2``.

    Parameters
    ----------
    R
        Resistances in ohms, ``> 0``, any shape.
    capacitance
        ``C`` in farads.

    Returns
    -------
    numpy.ndarray
        Same shape as ``R``.

    Raises
    ------
    ValueError
        If a resistance is not finite and ``> 0``.

    Examples
    --------
    >>> float(cutoff_frequency(1000.0, 1e-6).round(2))
    159.15
    """
    array = as_real_array(R, "R")
    if np.any(array <= 0):
        raise ValueError("R must be > 0 ohms")
    C = _capacitance(capacitance)
    return finite_result(1 / (2 * np.pi * array * C), "R and capacitance", "the cutoff 1/(2πRC)")


def resistance_for_cutoff(f_c: ArrayLike, capacitance: float = 1e-6) -> NDArray[np.float64]:
    """Compute the resistance ``R = 1/(2π f_c C)`` whose cutoff is ``f_c`` (the inverse map).

    Parameters
    ----------
    f_c
        Cutoff frequencies in hertz, ``> 0``.
    capacitance
        ``C`` in farads.

    Returns
    -------
    numpy.ndarray
        Ohms, same shape as ``f_c``.

    Raises
    ------
    ValueError
        If a frequency is not finite and ``> 0``.

    Examples
    --------
    >>> float(resistance_for_cutoff(cutoff_frequency(400.0)).round(9))
    400.0
    """
    array = as_real_array(f_c, "f_c")
    if np.any(array <= 0):
        raise ValueError("f_c must be > 0 hertz")
    C = _capacitance(capacitance)
    return finite_result(
        1 / (2 * np.pi * array * C), "f_c and capacitance", "the resistance 1/(2π f_c C)"
    )


def magnitude(
    kind: Kind, f: ArrayLike, resistors: ArrayLike, capacitance: float = 1e-6
) -> NDArray[np.float64]:
    """Evaluate the magnitude response ``|H(f)|`` of one filter (or the organ's three) in numpy.

    Parameters
    ----------
    kind
        ``"low"``, ``"high"``, ``"band"`` or ``"organ"`` (rows: low, band, high LED).
    f
        Frequencies in hertz, shape ``(n,)``, ``> 0``.
    resistors
        Ohms, ``>= 0``, shape ``(..., k)`` with ``k = N_RESISTORS[kind]``.
    capacitance
        ``C`` in farads.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., n)`` (``(..., 3, n)`` for the organ), values in ``[0, 1]``.

    Raises
    ------
    ValueError
        On an unknown kind, non-positive frequencies, negative resistors or a wrong
        last axis.

    Examples
    --------
    >>> f_c = float(cutoff_frequency(400.0))
    >>> magnitude("low", [f_c], [400.0]).round(6).tolist()
    [0.707107]
    >>> magnitude("band", [10.0, 900.0, 1e5], [400.0, 80.0]).round(3).tolist()
    [0.025, 0.833, 0.02]
    """
    kind_ = _check_kind(kind)
    freq = _frequencies(f)
    R = _resistors(resistors, kind_)
    if R.size // R.shape[-1] * freq.size > MAX_VALUES:
        raise ValueError(
            f"resistors and f would give more than MAX_VALUES = {MAX_VALUES} values; "
            "evaluate in chunks"
        )
    result = _response(kind_, 2 * np.pi * freq * _capacitance(capacitance), R)
    return np.asarray(result, dtype=np.float64)


def magnitude_torch(
    kind: Kind, f: torch.Tensor, resistors: torch.Tensor, capacitance: float = 1e-6
) -> torch.Tensor:
    """:func:`magnitude` in torch, differentiable in ``resistors``.

    Parameters
    ----------
    kind
        As in :func:`magnitude`.
    f
        Frequencies in hertz, a 1-D floating tensor, ``> 0``.
    resistors
        A floating tensor of shape ``(..., k)`` (it may require grad).
    capacitance
        ``C`` in farads.

    Returns
    -------
    torch.Tensor
        Shape ``(..., n)`` (``(..., 3, n)`` for the organ), attached to the graph of
        ``resistors``.

    Raises
    ------
    TypeError
        If ``f`` or ``resistors`` is not a floating tensor.
    ValueError
        On a wrong shape, non-finite values or non-positive frequencies.

    Examples
    --------
    >>> R = torch.tensor([400.0], dtype=torch.float64, requires_grad=True)
    >>> f = torch.tensor([397.887], dtype=torch.float64)
    >>> H = magnitude_torch("low", f, R)
    >>> (g,) = torch.autograd.grad(H.sum(), R)
    >>> round(H.item(), 4), round(g.item() * 400, 4)  # R dH/dR = -1/(2√2) at the cutoff
    (0.7071, -0.3536)
    """
    kind_ = _check_kind(kind)
    for name, tensor in (("f", f), ("resistors", resistors)):
        if not isinstance(tensor, torch.Tensor) or not tensor.is_floating_point():
            raise TypeError(f"{name} must be a floating torch tensor, got {type(tensor).__name__}")
        if not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"{name} must contain only finite numbers (found NaN or inf)")
    if f.ndim != 1 or f.numel() == 0 or bool((f <= 0).any()):
        raise ValueError(
            f"f must be a non-empty 1-D tensor of frequencies > 0, got {tuple(f.shape)}"
        )
    if resistors.ndim == 0 or resistors.shape[-1] != N_RESISTORS[kind_]:
        raise ValueError(
            f"resistors must have last axis of length {N_RESISTORS[kind_]} for kind={kind_!r}, "
            f"got shape {tuple(resistors.shape)}"
        )
    result = _response(kind_, 2 * math.pi * f * _capacitance(capacitance), resistors)
    assert isinstance(result, torch.Tensor)
    return result


def magnitude_gradient(
    kind: Literal["low", "high", "band"],
    f: ArrayLike,
    resistors: ArrayLike,
    capacitance: float = 1e-6,
) -> NDArray[np.float64]:
    """``∂|H(f)|/∂R_j`` in closed form (derived by hand), per frequency and resistor.

    With ``x = 2π f R C``: low-pass ``-2πfC · x/(1 + x²)^{3/2}``, high-pass
    ``2πfC/(1 + x²)^{3/2}``, and the product rule for the band-pass.

    Parameters
    ----------
    kind
        ``"low"``, ``"high"`` or ``"band"``.
    f, resistors, capacitance
        As in :func:`magnitude`.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., n, k)``.

    Raises
    ------
    ValueError
        As :func:`magnitude`; also for ``kind="organ"``.

    Examples
    --------
    >>> f_c = float(cutoff_frequency(400.0))
    >>> float(400 * magnitude_gradient("low", [f_c], [400.0])[0, 0]).__round__(4)
    -0.3536
    """
    kind_ = _check_kind(kind)
    if kind_ == "organ":
        raise ValueError("kind must be 'low', 'high' or 'band' for magnitude_gradient")
    freq = _frequencies(f)
    R = _resistors(resistors, kind_)
    wc = 2 * np.pi * freq * _capacitance(capacitance)
    x = R[..., :, None] * wc  # (..., k, n)
    d_low = -wc * x / (1 + x**2) ** 1.5
    d_high = wc / (1 + x**2) ** 1.5
    if kind_ == "low":
        grads = [d_low[..., 0, :]]
    elif kind_ == "high":
        grads = [d_high[..., 0, :]]
    else:
        grads = [d_high[..., 0, :] * _low(x[..., 1, :]), _high(x[..., 0, :]) * d_low[..., 1, :]]
    return finite_result(np.stack(grads, axis=-1), "f and capacitance", "the gradient dH/dR")


@_one_thread()
def autograd_gradient(
    kind: Literal["low", "high", "band"],
    f: ArrayLike,
    resistors: ArrayLike,
    capacitance: float = 1e-6,
) -> NDArray[np.float64]:
    """``∂|H(f)|/∂R_j`` per frequency, by ``torch.autograd.grad`` in float64.

    Each frequency gets its own copy of the resistors as a leaf, so one backward pass of
    the sum of the responses returns every per-frequency derivative.

    Parameters
    ----------
    kind, f, resistors, capacitance
        As in :func:`magnitude_gradient`.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., n, k)``; compare with :func:`magnitude_gradient`.

    Raises
    ------
    ValueError
        As :func:`magnitude_gradient`.

    Examples
    --------
    >>> f, R = [100.0, 1000.0], [[400.0, 80.0]]
    >>> bool(np.allclose(autograd_gradient("band", f, R), magnitude_gradient("band", f, R)))
    True
    """
    kind_ = _check_kind(kind)
    if kind_ == "organ":
        raise ValueError("kind must be 'low', 'high' or 'band' for autograd_gradient")
    freq = torch.from_numpy(_frequencies(f))
    R = _resistors(resistors, kind_)
    copies = torch.from_numpy(R)[..., None, :].expand(*R.shape[:-1], freq.numel(), R.shape[-1])
    leaf = copies.clone().requires_grad_()
    wc = 2 * math.pi * freq * _capacitance(capacitance)
    # sample i sees only leaf[..., i, :]: the diagonal of the per-copy responses
    H = _response(kind_, wc[:, None], leaf)  # (..., n, 1)
    assert isinstance(H, torch.Tensor)
    (grad,) = torch.autograd.grad(H.sum(), leaf)
    return grad.numpy()


def symbolic_magnitude(kind: Literal["low", "high", "band"]) -> sp.Expr:
    """``|H|`` as a sympy expression in the positive symbols ``f``, ``C`` and ``R`` (or ``R1, R2``).

    For the band-pass, ``R1`` is the high-pass stage (lower edge), ``R2`` the low-pass
    stage (upper edge). Differentiate with ``sympy.diff`` to get the analytic gradient.

    Parameters
    ----------
    kind
        ``"low"``, ``"high"`` or ``"band"``.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        On another kind.

    Examples
    --------
    >>> H = symbolic_magnitude("low")
    >>> R = sp.Symbol("R", positive=True)
    >>> sp.simplify(sp.diff(H, R) * R / H - (H**2 - 1))
    0
    """
    kind_ = _check_kind(kind)
    if kind_ == "organ":
        raise ValueError("kind must be 'low', 'high' or 'band' for symbolic_magnitude")
    f, C = sp.symbols("f C", positive=True)

    def low(r: sp.Symbol) -> sp.Expr:
        return 1 / sp.sqrt(1 + (2 * sp.pi * f * r * C) ** 2)

    def high(r: sp.Symbol) -> sp.Expr:
        x = 2 * sp.pi * f * r * C
        return x / sp.sqrt(1 + x**2)

    if kind_ == "band":
        R1, R2 = sp.symbols("R1 R2", positive=True)
        return high(R1) * low(R2)
    R = sp.Symbol("R", positive=True)
    return low(R) if kind_ == "low" else high(R)


# ------------------------------------------------------------------- data and losses


def labels(kind: Kind, f: ArrayLike, organ: Organ | None = None) -> NDArray[np.int64]:
    """Return the binary targets: 1 where the LED should light, from the true cutoffs.

    Low LED: ``f < f_low``; band LED: ``f_low <= f <= f_high``; high LED: ``f > f_high``
    (``f_low``, ``f_high`` the cutoffs of ``r_low`` and ``r_high``). For ``"organ"``, the
    one-hot matrix with these three rows: exactly one LED per frequency.

    Parameters
    ----------
    kind
        ``"low"``, ``"high"``, ``"band"`` or ``"organ"``.
    f
        Frequencies in hertz, shape ``(n,)``.
    organ
        The constants (default :class:`Organ()`).

    Returns
    -------
    numpy.ndarray
        0/1 integers, shape ``(n,)`` or ``(3, n)`` for the organ.

    Raises
    ------
    ValueError
        On an unknown kind or bad frequencies.

    Examples
    --------
    >>> labels("organ", [100.0, 1000.0, 5000.0]).tolist()
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    """
    kind_ = _check_kind(kind)
    freq = _frequencies(f)
    if organ is not None and not isinstance(organ, Organ):
        raise TypeError(
            f"organ must be a dlhw.color_organ.Organ or None, got {type(organ).__name__}"
        )
    f_low, f_high = (organ or Organ()).cutoffs()
    rows = {
        "low": freq < f_low,
        "band": (freq >= f_low) & (freq <= f_high),
        "high": freq > f_high,
    }
    if kind_ == "organ":
        return np.stack([rows["low"], rows["band"], rows["high"]]).astype(np.int64)
    return rows[kind_].astype(np.int64)


def symmetric_grid(
    f_c: float, *, decades: float = 3.0, points_per_decade: int = 40
) -> NDArray[np.float64]:
    """Build a log-spaced grid symmetric about ``f_c``: ``f_c · 10^((j + 1/2)/p)``, ``j = -m..m-1``.

    Frequencies come in pairs ``f, f_c²/f`` and none equals ``f_c``: the hypotheses under
    which the ``"power"`` loss balances exactly at the cutoff.

    Parameters
    ----------
    f_c
        The centre in hertz.
    decades
        Width of the grid in decades (``2m = round(decades · p)`` points, rounded to even).
    points_per_decade
        ``p``.

    Returns
    -------
    numpy.ndarray
        Shape ``(2m,)``, increasing.

    Raises
    ------
    ValueError
        If ``f_c`` or ``decades`` is not positive, or the grid would be empty or longer
        than ``10**6`` points.

    Examples
    --------
    >>> g = symmetric_grid(100.0, decades=1, points_per_decade=4)
    >>> bool(np.allclose(g * g[::-1], 100.0**2)), len(g)
    (True, 4)
    """
    centre = as_positive_float(f_c, "f_c")
    width = as_positive_float(decades, "decades")
    p = as_int(points_per_decade, "points_per_decade", minimum=1, maximum=10**6)
    m = round(width * p / 2)
    if m < 1 or 2 * m > 10**6:
        raise ValueError(f"decades * points_per_decade must give 2..10**6 points, got {2 * m}")
    j = np.arange(-m, m)
    return centre * 10.0 ** ((j + 0.5) / p)


def _loss_terms(
    response: np.ndarray | torch.Tensor, target: np.ndarray | torch.Tensor, loss: str
) -> np.ndarray | torch.Tensor:
    """Per-sample squared residuals: of magnitudes (``mse``) or of powers (``power``)."""
    if loss == "mse":
        return (response - target) ** 2
    return (response**2 - target**2) ** 2


def _target(target: ArrayLike, n: int, kind: str) -> NDArray[np.float64]:
    array = as_real_array(target, "target")
    shape = (3, n) if kind == "organ" else (n,)
    if array.shape != shape:
        raise ValueError(
            f"target must have shape {shape} (one value per frequency), got {array.shape}"
        )
    if np.any((array < 0) | (array > 1)):
        raise ValueError("target must hold magnitudes or labels in [0, 1]")
    return array


def loss_surface(
    kind: Kind,
    f: ArrayLike,
    target: ArrayLike,
    resistors: ArrayLike,
    *,
    loss: Loss = "mse",
    capacitance: float = 1e-6,
) -> NDArray[np.float64]:
    """Evaluate the loss at many resistor values at once (numpy), for loss-surface plots.

    The loss is the mean over frequencies (and over the three LEDs for the organ) of
    ``(|H| - t)²`` (``"mse"``) or ``(|H|² - t²)²`` (``"power"``).

    Parameters
    ----------
    kind
        As in :func:`magnitude`.
    f
        Frequencies, shape ``(n,)``.
    target
        Magnitudes or 0/1 labels in ``[0, 1]``, shape ``(n,)`` (``(3, n)`` for the organ).
    resistors
        Shape ``(..., k)``, e.g. a ``meshgrid`` stacked on the last axis.
    loss
        ``"mse"`` or ``"power"``.
    capacitance
        ``C`` in farads.

    Returns
    -------
    numpy.ndarray
        Shape ``(...)``.

    Raises
    ------
    ValueError
        As :func:`magnitude`, or on a target of the wrong shape or outside ``[0, 1]``.

    Examples
    --------
    >>> organ = Organ()
    >>> f = organ.frequencies()
    >>> t = magnitude("low", f, [400.0])
    >>> loss_surface("low", f, t, [[100.0], [400.0]]).round(6).tolist()
    [0.063832, 0.0]
    """
    kind_ = _check_kind(kind)
    kind_loss = _check_loss(loss)
    H = magnitude(kind, f, resistors, capacitance)
    t = _target(target, H.shape[-1], kind_)
    terms = np.asarray(_loss_terms(H, t, kind_loss))
    axes = (-2, -1) if kind_ == "organ" else (-1,)
    return np.asarray(terms.mean(axis=axes), dtype=np.float64)


@_one_thread()
def per_sample_gradients(
    kind: Literal["low", "high", "band"],
    f: ArrayLike,
    target: ArrayLike,
    resistors: ArrayLike,
    *,
    loss: Loss = "mse",
    capacitance: float = 1e-6,
) -> NDArray[np.float64]:
    """Each frequency's share of ``∂L/∂R`` (by autograd); they sum to the total gradient.

    For sample ``i`` of ``n`` this is ``∂/∂R`` of ``(1/n)·(φ(|H_i|) - φ(t_i))²`` with
    ``φ(h) = h`` (``"mse"``) or ``h²`` (``"power"``). On binary labels the on-samples
    and off-samples pull with opposite signs; where the sum is 0 they balance.

    Parameters
    ----------
    kind, f, target, resistors, loss, capacitance
        As in :func:`loss_surface` (``resistors`` of shape ``(k,)``: one point).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, k)``.

    Raises
    ------
    ValueError
        As :func:`loss_surface`, or if ``resistors`` is not 1-D.

    Examples
    --------
    >>> f = Organ().frequencies()
    >>> y = labels("low", f)
    >>> g = per_sample_gradients("low", f, y, [400.0])
    >>> bool(g[y == 0].sum() < 0 < g[y == 1].sum())  # descent: on push R down, off push it up
    True
    """
    kind_ = _check_kind(kind)
    if kind_ == "organ":
        raise ValueError("kind must be 'low', 'high' or 'band' for per_sample_gradients")
    kind_loss = _check_loss(loss)
    freq = _frequencies(f)
    R = _resistors(resistors, kind_)
    if R.ndim != 1:
        raise ValueError(f"resistors must be one point of shape ({R.shape[-1]},), got {R.shape}")
    t = torch.from_numpy(_target(target, freq.size, kind_))
    leaf = torch.from_numpy(R).expand(freq.size, R.size).clone().requires_grad_()
    wc = torch.from_numpy(2 * np.pi * freq * _capacitance(capacitance))
    H = _response(kind_, wc[:, None], leaf)[:, 0]
    terms = _loss_terms(H, t, kind_loss)
    assert isinstance(terms, torch.Tensor)
    (grad,) = torch.autograd.grad(terms.sum() / freq.size, leaf)
    return grad.numpy()


def loss_gradient(
    kind: Literal["low", "high", "band"],
    f: ArrayLike,
    target: ArrayLike,
    resistors: ArrayLike,
    *,
    loss: Loss = "mse",
    capacitance: float = 1e-6,
) -> NDArray[np.float64]:
    """``∂L/∂R`` in closed form (numpy, chain rule on :func:`magnitude_gradient`).

    Parameters
    ----------
    kind, f, target, resistors, loss, capacitance
        As in :func:`loss_surface`.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., k)``.

    Raises
    ------
    ValueError
        As :func:`loss_surface`.

    Examples
    --------
    >>> f = Organ().frequencies()
    >>> t = magnitude("high", f, [80.0])
    >>> loss_gradient("high", f, t, [[80.0], [100.0]]).round(8).tolist()
    [[0.0], [0.00015947]]
    """
    kind_ = _check_kind(kind)
    kind_loss = _check_loss(loss)
    H = magnitude(kind, f, resistors, capacitance)
    t = _target(target, H.shape[-1], kind_)
    dH = magnitude_gradient(kind, f, resistors, capacitance)
    outer = 2 * (H - t) if kind_loss == "mse" else 2 * (H**2 - t**2) * 2 * H
    return finite_result(
        (outer[..., None] * dH).mean(axis=-2), "f and capacitance", "the loss gradient"
    )


def balance_point(
    kind: Literal["low", "high"],
    f: ArrayLike,
    target: ArrayLike,
    *,
    loss: Loss = "mse",
    bracket: tuple[float, float] = (10.0, 5000.0),
    capacitance: float = 1e-6,
) -> float:
    """Find the resistor where the loss gradient vanishes, by root-finding (no descent).

    ``scipy.optimize.brentq`` on the closed-form :func:`loss_gradient`: an independent
    witness of where :func:`fit` ends.

    Parameters
    ----------
    kind
        ``"low"`` or ``"high"`` (one resistor).
    f, target, loss, capacitance
        As in :func:`loss_surface`.
    bracket
        Ohms ``(a, b)`` with ``0 < a < b`` where the gradient changes sign.

    Returns
    -------
    float
        Ohms.

    Raises
    ------
    ValueError
        If the bracket is invalid or the gradient has the same sign at both ends.

    Examples
    --------
    >>> f = Organ().frequencies()
    >>> round(balance_point("low", f, magnitude("low", f, [400.0])), 6)
    400.0
    """
    kind_ = _check_kind(kind)
    if kind_ not in ("low", "high"):
        raise ValueError("kind must be 'low' or 'high' for balance_point")
    if not isinstance(bracket, tuple) or len(bracket) != 2:
        raise TypeError("bracket must be a tuple (a, b) of ohms")
    a, b = (as_positive_float(v, "bracket") for v in bracket)
    if not a < b:
        raise ValueError(f"bracket must have a < b, got {bracket}")

    def grad(r: float) -> float:
        value = loss_gradient(kind, f, target, [r], loss=loss, capacitance=capacitance)
        return float(value[0])

    ga, gb = grad(a), grad(b)
    if ga * gb > 0:
        raise ValueError(
            f"bracket must enclose a sign change of the loss gradient for this f and target, "
            f"got {bracket}"
        )
    return float(brentq(grad, a, b, xtol=1e-12, rtol=1e-14))


def symbolic_pair_gradient(loss: Loss) -> sp.Expr:
    """``∂/∂log R`` of the loss of a low-pass on two samples ``f_c·x`` (off) and ``f_c/x`` (on).

    Evaluated at the true resistor, where the samples sit at ``x`` and ``1/x`` times
    the cutoff; in terms of the positive symbol ``x``. It is exactly 0 for the
    ``"power"`` loss (the pair balances: the whole grid balances at ``R*`` when it is
    made of such pairs) and negative for ``x > 1/√3`` for ``"mse"`` (off-samples win:
    the fitted resistor moves up, the cutoff down).

    Parameters
    ----------
    loss
        ``"mse"`` or ``"power"``.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        On another loss.

    Examples
    --------
    >>> sp.simplify(symbolic_pair_gradient("power"))
    0
    >>> x = sp.Symbol("x", positive=True)
    >>> bool(symbolic_pair_gradient("mse").subs(x, 2) < 0)
    True
    """
    kind_loss = _check_loss(loss)
    x = sp.Symbol("x", positive=True)
    s = sp.Symbol("s", positive=True)  # s = x at the resistor, scaled by R/R*
    h = 1 / sp.sqrt(1 + s**2)  # the low-pass magnitude at x = s
    phi = h if kind_loss == "mse" else h**2

    def term(point: sp.Expr, label: int) -> sp.Expr:
        # d/dlog R of (φ(h) - label)² at s = point: s ∝ R, so d/dlog R = s d/ds
        value = s * sp.diff((phi - label) ** 2, s)
        return value.subs(s, point)

    return sp.simplify(term(x, 0) + term(1 / x, 1))


# ------------------------------------------------------------------ gradient descent


@_one_thread()
def _descend(
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    init: NDArray[np.float64],
    lr: NDArray[np.float64],
    settings: FitSettings,
    *,
    record: bool,
    positive: bool = True,
) -> dict[str, NDArray[np.float64] | NDArray[np.int64]]:
    """Gradient descent on the rows of ``init`` (runs) with per-run step sizes ``lr``.

    ``loss_fn`` maps parameters ``(m, k)`` to one loss per run ``(m,)``; runs share no
    parameters, so the gradient of the summed loss is each run's own gradient. A run
    stops when its loss or gradient is tiny (converged) or when it leaves the domain
    (diverged: non-finite, or ``positive`` and a value ``<= 0`` or ``> R_MAX``).
    """
    m, k = init.shape
    if settings.steps * m > MAX_WORK:
        raise ValueError(
            f"steps * runs = {settings.steps * m} exceeds MAX_WORK = {MAX_WORK}; "
            "use fewer steps or runs (or split the sweep)"
        )
    if record and (settings.steps + 1) * m * k > MAX_HISTORY:
        raise ValueError(
            f"steps, runs and resistors give a recorded history of {(settings.steps + 1) * m * k} "
            f"floats, more than MAX_HISTORY = {MAX_HISTORY}; pass record=False or use fewer "
            "steps or runs"
        )
    theta = torch.tensor(init, dtype=torch.float64)
    rate = torch.tensor(lr, dtype=torch.float64)[:, None]
    active = torch.ones(m, dtype=torch.bool)
    stopped = np.full(m, -1, dtype=np.int64)
    outcome = np.full(m, OUTCOMES.index("stalled"), dtype=np.int64)
    path, losses, grads = [], [], []
    for t in range(settings.steps + 1):
        leaf = theta.clone().requires_grad_()
        value = loss_fn(leaf)
        (grad,) = torch.autograd.grad(value.sum(), leaf)
        value, grad = value.detach(), grad.detach()
        if record:
            path.append(theta.clone())
            losses.append(value.clone())
            grads.append(grad.clone())
        finite = torch.isfinite(theta).all(-1) & torch.isfinite(value)
        inside = ((theta > 0) & (theta <= R_MAX)).all(-1) if positive else finite
        bad = active & ~(finite & inside)
        done = (
            active
            & ~bad
            & ((value <= settings.loss_tol) | (grad.abs() <= settings.grad_tol).all(-1))
        )
        if bool((bad | done).any()):
            for mask, name in ((bad, "diverged"), (done, "converged")):
                outcome[mask.numpy()] = OUTCOMES.index(name)
                stopped[mask.numpy()] = t
            active &= ~(bad | done)
            if not bool(active.any()):
                break
        if t == settings.steps:
            break
        theta = torch.where(active[:, None], theta - rate * grad, theta)
    final_loss = loss_fn(theta).detach()
    result: dict[str, NDArray[np.float64] | NDArray[np.int64]] = {
        "final": theta.numpy(),
        "final_loss": final_loss.numpy(),
        "stopped_at": stopped,
        "outcome": outcome,
    }
    if record:
        # pad to steps + 1 rows with the frozen final state so every run has a full history
        rows = settings.steps + 1
        for key, items in (("R", path), ("loss", losses), ("grad", grads)):
            stacked = torch.stack(items)
            pad = stacked[-1:].expand(rows - len(items), *stacked.shape[1:])
            result[key] = torch.cat([stacked, pad]).numpy()
    return result


def _init(init: ArrayLike, k: int, name: str = "init") -> NDArray[np.float64]:
    array = as_real_array(init, name)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != k:
        raise ValueError(f"{name} must have shape ({k},) or (runs, {k}), got {np.shape(init)}")
    if np.any(array <= 0):
        raise ValueError(f"{name} must hold resistors > 0 ohms")
    return array


def _check_settings(settings: object) -> FitSettings:
    if not isinstance(settings, FitSettings):
        raise TypeError(f"settings must be a FitSettings, got {type(settings).__name__}")
    return settings


def _circuit_loss(
    kind: str, f: ArrayLike, target: ArrayLike, loss: str, capacitance: float
) -> Callable[[torch.Tensor], torch.Tensor]:
    freq = _frequencies(f)
    t = torch.from_numpy(_target(target, freq.size, kind))
    wc = torch.from_numpy(2 * np.pi * freq * _capacitance(capacitance))
    axes = (-2, -1) if kind == "organ" else (-1,)

    def loss_fn(R: torch.Tensor) -> torch.Tensor:
        terms = _loss_terms(_response(kind, wc, R), t, loss)
        assert isinstance(terms, torch.Tensor)
        return terms.mean(dim=axes)

    return loss_fn


def random_resistors(
    kind: Kind, runs: int = 1, *, low: float = 0.0, high: float = 1000.0, seed: int = 0
) -> NDArray[np.float64]:
    """Draw initial resistors uniformly from ``(low, high]`` ohms, shape ``(runs, k)``.

    Parameters
    ----------
    kind
        Which circuit (sets ``k``).
    runs
        How many initialisations.
    low, high
        The interval in ohms, ``0 <= low < high``.
    seed
        Seeds a ``numpy.random.Generator``.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        On a bad interval or a negative count.

    Examples
    --------
    >>> r = random_resistors("band", 3, seed=1)
    >>> r.shape, bool(((r > 0) & (r <= 1000)).all())
    ((3, 2), True)
    """
    kind_ = _check_kind(kind)
    n = as_int(runs, "runs", minimum=1)
    if n * N_RESISTORS[kind_] > MAX_VALUES:
        raise ValueError(f"runs must be at most {MAX_VALUES // N_RESISTORS[kind_]}")
    lo = as_positive_float(low, "low", allow_zero=True)
    hi = as_positive_float(high, "high")
    if not lo < hi:
        raise ValueError(f"low must be < high, got {low} and {high}")
    rng = np.random.default_rng(as_int(seed, "seed", minimum=0))
    return hi - (hi - lo) * rng.random((n, N_RESISTORS[kind_]))  # in (lo, hi]


def fit(
    kind: Kind,
    f: ArrayLike,
    target: ArrayLike,
    init: ArrayLike,
    settings: FitSettings | None = None,
    *,
    loss: Loss = "mse",
    capacitance: float = 1e-6,
    record: bool = True,
) -> dict[str, NDArray[np.float64] | NDArray[np.int64]]:
    """Learn the resistors by gradient descent, ``R ← R - lr · ∂L/∂R`` with autograd.

    Every row of ``init`` is an independent run (the runs are batched). Each step
    evaluates the loss in torch (float64), takes ``torch.autograd.grad`` of it with
    respect to ``R`` and updates; a run stops once its loss is ``<= loss_tol`` or
    its gradient is ``<= grad_tol`` (``"converged"``), when a resistor leaves
    ``(0, R_MAX]`` or turns non-finite (``"diverged"``), or after ``steps`` steps
    (``"stalled"``). For the organ, all four resistors are learned jointly with one
    loss, the mean over the ``(3, n)`` targets.

    Parameters
    ----------
    kind
        ``"low"``, ``"high"``, ``"band"`` or ``"organ"``.
    f
        Frequencies in hertz, shape ``(n,)``.
    target
        Magnitudes or 0/1 labels, shape ``(n,)`` (``(3, n)`` for the organ).
    init
        Initial resistors, shape ``(k,)`` or ``(runs, k)``, ``> 0``.
    settings
        :class:`FitSettings` (default ``FitSettings()``).
    loss
        ``"mse"`` or ``"power"``.
    capacitance
        ``C`` in farads.
    record
        Keep the whole trajectory (``R``, ``loss``, ``grad``).

    Returns
    -------
    dict
        ``final`` ``(runs, k)``, ``final_loss`` ``(runs,)``, ``stopped_at`` (the step at
        which each run stopped, -1 if it never did), ``outcome`` (index into
        :data:`OUTCOMES`); with ``record``: ``R`` and ``grad`` ``(steps + 1, runs, k)``
        and ``loss`` ``(steps + 1, runs)``, frozen after a run stops.

    Raises
    ------
    ValueError
        On bad frequencies, targets or initial resistors, or a run too long
        (``steps * runs > MAX_WORK``; a history larger than ``MAX_HISTORY``).
    TypeError
        If ``settings`` is not a :class:`FitSettings`.

    Examples
    --------
    >>> organ = Organ()
    >>> f = organ.frequencies()
    >>> out = fit("low", f, magnitude("low", f, [400.0]), [700.0], FitSettings(lr=2e6))
    >>> round(float(out["final"][0, 0]), 3), OUTCOMES[int(out["outcome"][0])]
    (400.0, 'converged')
    """
    kind_ = _check_kind(kind)
    conf = _check_settings(settings or FitSettings())
    start = _init(init, N_RESISTORS[kind_])
    loss_fn = _circuit_loss(kind_, f, target, _check_loss(loss), capacitance)
    rate = np.full(start.shape[0], conf.lr)
    return _descend(loss_fn, start, rate, conf, record=as_bool(record, "record"))


def convergence_sweep(
    kind: Kind,
    f: ArrayLike,
    target: ArrayLike,
    inits: ArrayLike,
    lrs: ArrayLike,
    *,
    settings: FitSettings | None = None,
    loss: Loss = "mse",
    capacitance: float = 1e-6,
) -> dict[str, NDArray[np.float64] | NDArray[np.int64]]:
    """Count the steps to converge for every (initialisation, step size) pair, batched.

    Parameters
    ----------
    kind, f, target, loss, capacitance
        As in :func:`fit`.
    inits
        Initial resistors in ohms: shape ``(a,)`` for one-resistor circuits, or
        ``(a, k)``.
    lrs
        Step sizes, shape ``(b,)``, ``> 0`` (``settings.lr`` is ignored).
    settings
        Steps and tolerances.

    Returns
    -------
    dict
        ``init`` ``(a, k)``, ``lr`` ``(b,)``, ``(a, b)`` arrays ``stopped_at``, ``outcome``
        (index into :data:`OUTCOMES`) and ``final_loss``, and ``final`` ``(a, b, k)`` ohms.

    Raises
    ------
    ValueError
        As :func:`fit`, or on non-positive step sizes.

    Examples
    --------
    >>> f = Organ().frequencies()
    >>> out = convergence_sweep("low", f, magnitude("low", f, [400.0]), [300.0, 600.0],
    ...                         [1e6, 1e8], settings=FitSettings(steps=500))
    >>> [[OUTCOMES[k] for k in row] for row in out["outcome"]]
    [['converged', 'diverged'], ['converged', 'diverged']]
    """
    kind_ = _check_kind(kind)
    conf = _check_settings(settings or FitSettings())
    k = N_RESISTORS[kind_]
    raw = as_real_array(inits, "inits")
    if raw.ndim == 1 and k > 1:
        raise ValueError(f"inits must have shape (a, {k}) for kind={kind_!r}, got {raw.shape}")
    R0 = _init(raw[:, None] if raw.ndim == 1 else raw, k, "inits")
    rates = as_real_array(lrs, "lrs", ndim=1)
    if np.any(rates <= 0):
        raise ValueError("lrs must be > 0")
    a, b = R0.shape[0], rates.size
    start = np.repeat(R0, b, axis=0)
    loss_fn = _circuit_loss(kind_, f, target, _check_loss(loss), capacitance)
    out = _descend(loss_fn, start, np.tile(rates, a), conf, record=False)
    return {
        "init": R0,
        "lr": rates,
        "stopped_at": out["stopped_at"].reshape(a, b),
        "outcome": out["outcome"].reshape(a, b),
        "final": out["final"].reshape(a, b, k),
        "final_loss": out["final_loss"].reshape(a, b),
    }


def label_interval(
    kind: Literal["low", "high"],
    f: ArrayLike,
    target: ArrayLike,
    capacitance: float = 1e-6,
) -> tuple[float, float]:
    """Every resistor whose half-power threshold reproduces 0/1 labels: an interval of ohms.

    The LED is on where ``|H| >= 1/√2``, i.e. on one side of the cutoff. For a low-pass
    the labels are reproduced iff ``f_on <= f_c(R) < f_off`` for the highest
    on-frequency and the lowest off-frequency: ``R`` in ``(1/(2πC f_off), 1/(2πC f_on)]``
    (mirrored for a high-pass). This is the "slider" answer of part (b).

    Parameters
    ----------
    kind
        ``"low"`` or ``"high"``.
    f
        Frequencies, shape ``(n,)``.
    target
        0/1 labels, shape ``(n,)``, with at least one 1 and one 0, on one side each.
    capacitance
        ``C`` in farads.

    Returns
    -------
    tuple of float
        ``(R_lo, R_hi)`` in ohms; ``R_lo`` is excluded for a low-pass, ``R_hi`` for a
        high-pass.

    Raises
    ------
    ValueError
        If the labels are not 0/1, are all equal, or are not a low (high) band.

    Examples
    --------
    >>> f = Organ().frequencies()
    >>> lo, hi = label_interval("low", f, labels("low", f))
    >>> bool(lo < 400.0 <= hi), round(hi / lo, 4)  # one grid step: 10^(3/120)
    (True, 1.0593)
    """
    kind_ = _check_kind(kind)
    if kind_ not in ("low", "high"):
        raise ValueError("kind must be 'low' or 'high' for label_interval")
    freq = _frequencies(f)
    y = _target(target, freq.size, kind_)
    if not np.all((y == 0) | (y == 1)) or y.min() == y.max():
        raise ValueError("target must be 0/1 labels with both values present")
    on, off = freq[y == 1], freq[y == 0]
    below, above = (on, off) if kind_ == "low" else (off, on)
    if not below.max() < above.min():
        raise ValueError(f"target must switch once along f (a {kind_}-pass band)")
    C = _capacitance(capacitance)
    low, high = 1 / (2 * np.pi * C * above.min()), 1 / (2 * np.pi * C * below.max())
    finite_result([low, high], "f and capacitance", "the label interval of resistances")
    return float(low), float(high)


# ------------------------------------------------------------ Bode model, organ, graph


def bode_db(f: ArrayLike, log10_cutoffs: ArrayLike) -> NDArray[np.float64]:
    """Evaluate the two-ReLU Bode model of a band-pass, in dB.

    ``-20·relu(a - log10 f) - 20·relu(log10 f - b)``: +20 dB/decade below the lower
    corner ``10^a``, flat at 0 dB between, -20 dB/decade above ``10^b``.

    Parameters
    ----------
    f
        Frequencies in hertz, shape ``(n,)``.
    log10_cutoffs
        ``(..., 2)``: ``(a, b)`` in log10 hertz.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., n)``.

    Raises
    ------
    ValueError
        On bad frequencies or a last axis other than 2.

    Examples
    --------
    >>> bode_db([10.0, 1000.0, 1e5], [2.0, 4.0]).tolist()
    [-20.0, 0.0, -20.0]
    """
    u = np.log10(_frequencies(f))
    theta = as_real_array(log10_cutoffs, "log10_cutoffs")
    if theta.ndim == 0 or theta.shape[-1] != 2:
        raise ValueError(f"log10_cutoffs must have last axis of length 2, got shape {theta.shape}")
    a, b = theta[..., :1], theta[..., 1:]
    db = -20 * np.maximum(a - u, 0) - 20 * np.maximum(u - b, 0) + 0.0  # + 0.0: no -0.0
    return np.asarray(db, dtype=np.float64)


def fit_bode(
    f: ArrayLike,
    db_target: ArrayLike,
    init: ArrayLike = (2.0, 4.0),
    settings: FitSettings | None = None,
) -> dict[str, NDArray[np.float64] | NDArray[np.int64]]:
    """Fit the corners of :func:`bode_db` to dB samples by gradient descent (autograd).

    The parameters are the log10 corner frequencies; the loss is the mean squared error
    in dB. ``settings.lr`` is in (log10 Hz)² per dB².

    Parameters
    ----------
    f
        Frequencies, shape ``(n,)``.
    db_target
        Samples in dB, shape ``(n,)``.
    init
        ``(2,)`` or ``(runs, 2)`` initial log10 corners.
    settings
        :class:`FitSettings` (default ``lr = 1e-3``, 3000 steps).

    Returns
    -------
    dict
        As :func:`fit` (``R`` holds the log10 corners), plus ``cutoffs`` in hertz.

    Raises
    ------
    ValueError
        On bad frequencies, targets or init.

    Examples
    --------
    >>> f = Organ().frequencies()
    >>> out = fit_bode(f, bode_db(f, [2.6, 3.3]), (2.0, 4.0))
    >>> out["final"].round(4).tolist()
    [[2.6, 3.3]]
    """
    conf = _check_settings(settings or FitSettings(lr=1e-3, steps=3000))
    u = torch.from_numpy(np.log10(_frequencies(f)))
    y = as_real_array(db_target, "db_target", ndim=1)
    if y.shape != u.shape:
        raise ValueError(f"db_target must have shape {tuple(u.shape)}, got {y.shape}")
    target = torch.from_numpy(y)
    start = as_real_array(init, "init")
    start = start[None, :] if start.ndim == 1 else start
    if start.ndim != 2 or start.shape[1] != 2:
        raise ValueError(f"init must have shape (2,) or (runs, 2), got {np.shape(init)}")

    def loss_fn(theta: torch.Tensor) -> torch.Tensor:
        model = -20 * torch.relu(theta[:, :1] - u) - 20 * torch.relu(u - theta[:, 1:])
        return ((model - target) ** 2).mean(dim=-1)

    rate = np.full(start.shape[0], conf.lr)
    out = _descend(loss_fn, start, rate, conf, record=True, positive=False)
    with np.errstate(over="ignore"):
        cutoffs = np.power(10.0, out["final"].astype(np.float64))
    out["cutoffs"] = finite_result(
        cutoffs, "f, db_target and init", "the fitted cutoffs 10**log10_cutoffs (lr too large?)"
    )
    finite_result(out["loss"], "db_target", "the loss history")
    return out


def grad_fn_chain(tensor: torch.Tensor, *, names: dict[int, str] | None = None) -> str:
    """Print the autograd graph behind ``tensor`` as text: one node per line, by depth.

    Each line is a ``grad_fn`` class (``MulBackward0``, ``PowBackward0``, ...); leaves
    are ``AccumulateGrad`` lines with the leaf's shape and, if given, its name. A node
    reached twice is printed once, then referred to as ``(see above)``.

    Parameters
    ----------
    tensor
        A tensor with a ``grad_fn`` (the result of operations on tensors that require grad).
    names
        Optional ``{id(leaf): name}`` to label leaves.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        If ``tensor`` is not a tensor.
    ValueError
        If it has no ``grad_fn`` or the graph has more than ``MAX_CHAIN_NODES`` nodes.

    Examples
    --------
    >>> R = torch.tensor([400.0], dtype=torch.float64, requires_grad=True)
    >>> loss = (magnitude_torch("low", torch.tensor([100.0], dtype=torch.float64), R) ** 2).mean()
    >>> print(grad_fn_chain(loss, names={id(R): "R"}))  # doctest: +ELLIPSIS
    MeanBackward0
      PowBackward0
        ...
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch tensor, got {type(tensor).__name__}")
    if tensor.grad_fn is None:
        raise ValueError("tensor has no grad_fn: compute it from tensors that require grad")
    if names is not None and not isinstance(names, dict):
        raise TypeError(
            f"names must be a dict {{id(tensor): name}} or None, got {type(names).__name__}"
        )
    labels_ = names or {}
    lines: list[str] = []
    seen: set[int] = set()

    def visit(node: object, depth: int) -> None:
        if len(lines) >= MAX_CHAIN_NODES:
            raise ValueError(
                f"tensor's graph has more than MAX_CHAIN_NODES = {MAX_CHAIN_NODES} nodes"
            )
        pad = "  " * depth
        name = type(node).__name__
        if id(node) in seen:
            lines.append(f"{pad}{name} (see above)")
            return
        seen.add(id(node))
        leaf = getattr(node, "variable", None)
        if isinstance(leaf, torch.Tensor):
            label = labels_.get(id(leaf), "leaf")
            lines.append(f"{pad}{name} ({label}, shape {tuple(leaf.shape)})")
            return
        lines.append(pad + name)
        for child, _ in getattr(node, "next_functions", ()):
            if child is not None:
                visit(child, depth + 1)

    visit(tensor.grad_fn, 0)
    return "\n".join(lines)
