r"""How one SGD step moves the elbow of a ReLU unit, and of each unit of a 1-D ReLU network.

A unit :math:`\phi(x) = \max(wx + b, 0)` bends at its *elbow* :math:`e = -b/w`. It is
*active* at a training point :math:`x` when :math:`wx + b > 0` (the ReLU's derivative
at 0 is taken to be 0, as in torch). With :math:`\ell = \tfrac12(\phi(x) - y)^2`,
:math:`g = \phi(x) - y` and :math:`a = \mathbf 1[wx + b > 0]`,

.. math::

    \frac{\partial\ell}{\partial w} = g\,a\,x, \qquad
    \frac{\partial\ell}{\partial b} = g\,a, \qquad
    w' = w - \lambda g a x, \quad b' = b - \lambda g a .

On the active side the new elbow :math:`e' = -b'/w'` satisfies, exactly,

.. math::

    e' - e = \frac{\lambda g\,(1 + e x)}{w - \lambda g x}
    \qquad (w \ne 0,\ w' \ne 0),

which for :math:`g = 1` (the prediction one unit too high) is
:math:`\lambda(1 + ex)/(w - \lambda x)`. For the network
:math:`\hat f(x) = \sum_i W^{(2)}_i \max(W^{(1)}_i x + b_i, 0)` the same holds unit by
unit with :math:`g` replaced by the unit's own upstream gradient
:math:`g W^{(2)}_i a_i`, where now :math:`g = \hat f(x) - y`.

The module gives the closed forms (numpy and sympy), the step done by the update rule
in exact rational arithmetic and in torch (the witnesses), the part-(b) case analysis as
a predicate to check against every configuration of a finite grid, and a random search
for elbows that move left in case (ii).
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy
import torch
from numpy.typing import ArrayLike, NDArray

from dlhw.validation import (
    as_generator,
    as_int,
    as_positive_float,
    as_real_array,
    finite_result,
)

Array = NDArray[np.float64]
#: A sign, -1, 0 or +1, or ``None`` where the elbow is undefined (zero slope).
Sign = int | None

#: Largest number of random configurations of :func:`search_case_ii`.
MAX_TRIALS = 10**7
#: Largest number of configurations built by :func:`sign_configurations`.
MAX_CONFIGURATIONS = 10**6
#: Largest width of :func:`symbolic_network_step`.
MAX_SYMBOLIC_WIDTH = 8
#: Range of ``scale`` in :func:`search_case_ii`: the draws, their products and the
#: elbows stay normal float64 numbers (a subnormal scale such as ``1e-320`` would lose
#: the activity test ``w x + b > 0`` to underflow and give infinite elbows).
SCALE_RANGE = (1e-100, 1e100)


def _arrays(**named: ArrayLike) -> list[Array]:
    arrays = [as_real_array(value, name) for name, value in named.items()]
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(named, arrays, strict=True))
        raise ValueError(f"{', '.join(named)} must broadcast together, got {shapes}") from None


def _nonzero(array: Array, name: str, why: str) -> None:
    if np.any(array == 0):
        raise ValueError(f"{name} must be nonzero: {why}")


# ------------------------------------------------------------------ one unit, numerically


def relu_unit(w: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """Evaluate ``φ(x) = max(w x + b, 0)`` (broadcasting over all arguments).

    Parameters
    ----------
    w, b
        Slope and offset of the unit.
    x
        Input(s).

    Returns
    -------
    numpy.ndarray
        ``φ(x)``, of the broadcast shape.

    Raises
    ------
    TypeError, ValueError
        For non-numeric, empty, non-finite or non-broadcastable arguments.

    Examples
    --------
    >>> relu_unit(2.0, -1.0, [0.0, 1.0, 2.0])
    array([0., 1., 3.])
    """
    wa, ba, xa = _arrays(w=w, b=b, x=x)
    return np.maximum(wa * xa + ba, 0.0)


def elbow(w: ArrayLike, b: ArrayLike) -> Array:
    """Return the elbow ``e = -b/w`` of each unit (part (a)(i) and, elementwise, part (c)).

    Parameters
    ----------
    w, b
        Slopes (``W1`` of the network) and offsets, broadcast together.

    Returns
    -------
    numpy.ndarray
        ``-b / w``.

    Raises
    ------
    ValueError
        If some ``w`` is 0 (that unit is constant and has no elbow).

    Examples
    --------
    >>> elbow([2.0, -1.0], [1.0, 3.0])
    array([-0.5,  3. ])
    """
    wa, ba = _arrays(w=w, b=b)
    _nonzero(wa, "w", "a unit with w = 0 is constant and has no elbow")
    return finite_result(-ba / wa, "w, b", "the elbow -b/w")


@dataclass(frozen=True)
class UnitGradients:
    """``dℓ/dφ = φ(x) − y``, ``∂ℓ/∂w = g a x`` and ``∂ℓ/∂b = g a`` (part (a)(ii)–(iv))."""

    dphi: Array
    dw: Array
    db: Array


def unit_gradients(w: ArrayLike, b: ArrayLike, x: ArrayLike, y: ArrayLike) -> UnitGradients:
    """Return the gradients of ``ℓ = ½ (φ(x) − y)²`` for one sample (broadcasting).

    Parameters
    ----------
    w, b
        The unit.
    x, y
        The training point.

    Returns
    -------
    UnitGradients

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> g = unit_gradients(1.0, 1.0, [2.0, -3.0], 0.0)   # active at 2, inactive at -3
    >>> g.dphi, g.dw, g.db
    (array([3., 0.]), array([6., 0.]), array([3., 0.]))
    """
    wa, ba, xa, ya = _arrays(w=w, b=b, x=x, y=y)
    pre = wa * xa + ba
    active = pre > 0
    g = np.maximum(pre, 0.0) - ya
    dw = np.where(active, g * xa, 0.0)
    names, what = "w, b, x, y", "the gradient of the loss"
    return UnitGradients(
        finite_result(g, names, what), finite_result(dw, names, what), np.where(active, g, 0.0)
    )


def unit_step(
    w: ArrayLike, b: ArrayLike, x: ArrayLike, y: ArrayLike, lr: float
) -> tuple[Array, Array]:
    """Take one SGD step ``(w, b) ← (w, b) − λ ∇ℓ`` (broadcasting over configurations).

    Parameters
    ----------
    w, b, x, y
        The unit and the training point.
    lr
        The step size ``λ > 0``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(w', b')``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments or ``lr <= 0``.

    Examples
    --------
    >>> unit_step(1.0, 2.0, 1.0, 2.0, 0.1)   # φ(x) - y = 1: w' = w - λx, b' = b - λ
    (array(0.9), array(1.9))
    """
    rate = as_positive_float(lr, "lr")
    grads = unit_gradients(w, b, x, y)
    wa, ba = _arrays(w=w, b=b, x=x, y=y)[:2]
    names, what = "w, b, x, y, lr", "the step"
    return (
        finite_result(wa - rate * grads.dw, names, what),
        finite_result(ba - rate * grads.db, names, what),
    )


def elbow_shift(w: ArrayLike, b: ArrayLike, x: ArrayLike, g: ArrayLike, lr: float) -> Array:
    """Return the closed form ``e' − e = λ g a (1 + e x) / (w − λ g a x)``.

    ``a = 1[w x + b > 0]``; on the active side this is ``λ g (1 + e x)/(w − λ g x)``,
    and with ``g = φ(x) − y = 1`` it is ``λ (1 + e x)/(w − λ x)``. An inactive unit does
    not move (``0``).

    Parameters
    ----------
    w, b
        The unit (``w != 0``).
    x
        The training input.
    g
        ``φ(x) − y``, the derivative of the loss with respect to the output.
    lr
        The step size ``λ > 0``.

    Returns
    -------
    numpy.ndarray
        The shift of the elbow (broadcast shape).

    Raises
    ------
    ValueError
        If ``w = 0`` (no elbow before) or the step makes the slope ``w'`` zero (no elbow
        after), or for bad arguments.

    Examples
    --------
    >>> elbow_shift(1.0, 2.0, 1.0, 1.0, 0.1)     # e = -2, e' = -1.9/0.9: a shift of -1/9
    array(-0.11111111)
    """
    rate = as_positive_float(lr, "lr")
    wa, ba, xa, ga = _arrays(w=w, b=b, x=x, g=g)
    _nonzero(wa, "w", "a unit with w = 0 has no elbow")
    active = (wa * xa + ba > 0).astype(np.float64)
    w_new = wa - rate * ga * active * xa
    _nonzero(w_new, "lr", "the step makes the slope w' = w - lr*g*x zero (no elbow after it)")
    e = -ba / wa
    shift = rate * ga * active * (1.0 + e * xa) / w_new
    return finite_result(shift, "w, b, x, g, lr", "the elbow shift")


# ------------------------------------------------------------------ exact step, case analysis


def _exact(value: object, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if isinstance(value, numbers.Rational):  # int, Fraction, numpy int, sympy Rational
        return Fraction(int(value.numerator), int(value.denominator))
    as_float = float(value)
    if not math.isfinite(as_float):
        raise ValueError(f"{name} must be finite, got {value}")
    return Fraction(as_float)  # the exact value of the float


def _sign_of(value: Fraction) -> int:
    return (value > 0) - (value < 0)


def _sign(value: Fraction | None) -> Sign:
    return None if value is None else _sign_of(value)


@dataclass(frozen=True)
class UnitStep:
    """One SGD step of a unit, in exact rational arithmetic (by the update rule).

    ``elbow``/``elbow_new`` are ``None`` when the slope before/after is 0; ``shift`` is
    ``elbow_new − elbow`` when both exist.
    """

    active: bool
    g: Fraction
    w_new: Fraction
    b_new: Fraction
    elbow: Fraction | None
    elbow_new: Fraction | None
    slope_change: Fraction
    shift: Fraction | None

    @property
    def signs(self) -> tuple[Sign, Sign]:
        """``(sign(w' − w), sign(e' − e))``, the latter ``None`` if undefined."""
        return _sign(self.slope_change), _sign(self.shift)


def exact_unit_step(w: object, b: object, x: object, y: object, lr: object) -> UnitStep:
    """Take one SGD step exactly: ``w' = w − λ g a x``, ``b' = b − λ g a``, ``e' = −b'/w'``.

    No closed form is used: this is the witness for :func:`elbow_shift` and for the
    part-(b) case analysis.

    Parameters
    ----------
    w, b, x, y, lr
        Real numbers (int, ``Fraction``, float -- converted exactly -- or a sympy
        rational); ``lr > 0``.

    Returns
    -------
    UnitStep

    Raises
    ------
    TypeError, ValueError
        For non-numbers, non-finite floats or ``lr <= 0``.

    Examples
    --------
    >>> step = exact_unit_step(1, 2, 1, 2, Fraction(1, 10))
    >>> step.elbow, step.elbow_new, step.shift, step.signs
    (Fraction(-2, 1), Fraction(-19, 9), Fraction(-1, 9), (-1, -1))
    """
    wq, bq, xq, yq, rate = (
        _exact(v, n) for v, n in ((w, "w"), (b, "b"), (x, "x"), (y, "y"), (lr, "lr"))
    )
    if rate <= 0:
        raise ValueError(f"lr must be > 0, got {rate}")
    active = wq * xq + bq > 0
    g = max(wq * xq + bq, Fraction(0)) - yq
    w_new = wq - rate * g * xq if active else wq
    b_new = bq - rate * g if active else bq
    before = -bq / wq if wq else None
    after = -b_new / w_new if w_new else None
    shift = after - before if before is not None and after is not None else None
    return UnitStep(active, g, w_new, b_new, before, after, w_new - wq, shift)


def spec_case(w: object, b: object, x: object) -> str:
    """Classify a configuration into the cases of part (b) (exact comparisons).

    Parameters
    ----------
    w, b, x
        Real numbers.

    Returns
    -------
    str
        ``"i"`` if the unit is inactive at ``x`` (``w x + b <= 0``, so ``φ(x) = 0``);
        else ``"ii"`` (``w > 0, x > 0``), ``"iii"`` (``w > 0, x < 0``), ``"iv"``
        (``w < 0, x > 0``) or ``"other"`` (active with ``w < 0, x < 0``, ``x = 0`` or
        ``w = 0``: cases the problem does not ask about).

    Raises
    ------
    TypeError, ValueError
        For non-numbers or non-finite floats.

    Examples
    --------
    >>> [spec_case(*c) for c in [(1, -5, 1), (1, 2, 1), (1, 2, -1), (-1, 2, 1), (-1, 2, -1)]]
    ['i', 'ii', 'iii', 'iv', 'other']
    """
    wq, bq, xq = _exact(w, "w"), _exact(b, "b"), _exact(x, "x")
    if wq * xq + bq <= 0:
        return "i"
    if wq > 0:
        return "ii" if xq > 0 else "iii" if xq < 0 else "other"
    return "iv" if wq < 0 and xq > 0 else "other"


def part_b_prediction(w: object, b: object, x: object, lr: object) -> tuple[Sign, Sign] | None:
    """Return what the part-(b) analysis predicts for ``g = φ(x) − y = 1``, by signs alone.

    The prediction uses only comparisons, never the step or the closed form:

    * (i) inactive: ``(0, 0)``, nothing moves (``(0, None)`` if ``w = 0``: no elbow);
    * (ii) slope down; the elbow moves by the sign of ``w − b x`` (that is of
      ``1 + e x``) while the step is small, ``λ x < w``; the opposite sign when
      ``λ x > w`` (the slope changes sign); undefined (``None``) when ``λ x = w``;
    * (iii) ``(+1, +1)``: slope up, elbow right;
    * (iv) ``(−1, −1)``: slope more negative, elbow left.

    Parameters
    ----------
    w, b, x, lr
        Real numbers, ``lr > 0``.

    Returns
    -------
    tuple or None
        ``(sign of w' − w, sign of e' − e)``, or ``None`` for the case ``"other"``.

    Raises
    ------
    TypeError, ValueError
        For bad numbers.

    Examples
    --------
    >>> part_b_prediction(1, 2, 1, Fraction(1, 10))   # b > 0 and b x > w: elbow moves left
    (-1, -1)
    >>> part_b_prediction(1, -1, 2, 1)                # b <= 0, but λ x > w: left as well
    (-1, -1)
    """
    case = spec_case(w, b, x)
    wq, bq, xq, rate = _exact(w, "w"), _exact(b, "b"), _exact(x, "x"), _exact(lr, "lr")
    if rate <= 0:
        raise ValueError(f"lr must be > 0, got {rate}")
    if case == "ii":
        small, ahead = _sign_of(wq - rate * xq), _sign_of(wq - bq * xq)
        return (-1, None if small == 0 else small * ahead)
    if case == "i":  # nothing moves; a unit with w = 0 has no elbow at all
        return (0, 0 if wq else None)
    return {"iii": (1, 1), "iv": (-1, -1)}.get(case)


def sign_configurations(
    magnitudes: Sequence[object] = (Fraction(1, 2), 1, 2),
    lrs: Sequence[object] = (Fraction(1, 10), 1, 3),
) -> list[tuple[Fraction, Fraction, Fraction, Fraction, Fraction]]:
    """Build the finite family ``(w, b, x, y, λ)`` with ``w, b, x ∈ {0, ±m}`` and ``g = 1``.

    ``y = φ(x) − 1``, so that the prediction is one unit too high as in part (b). With
    the default magnitudes ``{1/2, 1, 2}`` and rates ``{1/10, 1, 3}`` the family
    realises every sign pattern of ``w``, ``b``, ``x``, ``w x + b``, ``w − b x`` and
    ``w − λ x`` (including the boundaries ``b x = w`` and ``λ x = w``).

    Parameters
    ----------
    magnitudes
        Positive magnitudes (exact rationals or numbers converted exactly).
    lrs
        Positive step sizes.

    Returns
    -------
    list of tuple
        ``(2 len(magnitudes) + 1)³ · len(lrs)`` configurations of ``Fraction``.

    Raises
    ------
    TypeError, ValueError
        For empty, non-positive or non-numeric entries, or more than
        :data:`MAX_CONFIGURATIONS` configurations.

    Examples
    --------
    >>> family = sign_configurations()
    >>> len(family), family[0]
    (1029, (Fraction(-2, 1), Fraction(-2, 1), Fraction(-2, 1), Fraction(1, 1), Fraction(1, 10)))
    """
    mags = _positive_values(magnitudes, "magnitudes")
    rates = _positive_values(lrs, "lrs")
    values = sorted({Fraction(0), *mags, *(-m for m in mags)})
    count = len(values) ** 3 * len(rates)
    if count > MAX_CONFIGURATIONS:
        raise ValueError(
            f"magnitudes and lrs give {count} configurations, more than "
            f"MAX_CONFIGURATIONS={MAX_CONFIGURATIONS}; pass fewer values"
        )
    family: list[tuple[Fraction, Fraction, Fraction, Fraction, Fraction]] = []
    for w, b, x in itertools.product(values, repeat=3):
        y = max(w * x + b, Fraction(0)) - 1
        family.extend((w, b, x, y, rate) for rate in rates)
    return family


def _positive_values(values: Sequence[object], name: str) -> list[Fraction]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"{name} must be a non-empty sequence of positive numbers")
    exact = [_exact(v, name) for v in values]
    if min(exact) <= 0:
        raise ValueError(f"{name} must be positive, got {min(exact)}")
    return exact


def sign_outcomes(
    configurations: Iterable[tuple[object, object, object, object, object]],
) -> dict[str, list[tuple[Sign, Sign]]]:
    """Tabulate, per part-(b) case, the sign patterns the exact step produces.

    Parameters
    ----------
    configurations
        Tuples ``(w, b, x, y, lr)``, e.g. from :func:`sign_configurations`.

    Returns
    -------
    dict
        Case label → sorted list of the distinct ``(sign(w' − w), sign(e' − e))``
        observed (``None`` for an undefined elbow sorts first).

    Raises
    ------
    TypeError, ValueError
        For malformed configurations.

    Examples
    --------
    >>> table = sign_outcomes(sign_configurations())
    >>> table["iii"], table["iv"]
    ([(1, 1)], [(-1, -1)])
    """
    candidate: object = configurations
    if isinstance(candidate, str | bytes) or not isinstance(candidate, Iterable):
        raise TypeError(
            "configurations must be an iterable of tuples (w, b, x, y, lr), got "
            f"{type(configurations).__name__}"
        )
    seen: dict[str, set[tuple[Sign, Sign]]] = {}
    for config in configurations:
        if not isinstance(config, tuple) or len(config) != 5:
            raise TypeError(f"configurations must hold tuples (w, b, x, y, lr), got {config!r}")
        w, b, x, y, lr = config
        seen.setdefault(spec_case(w, b, x), set()).add(exact_unit_step(w, b, x, y, lr).signs)

    def key(pattern: tuple[Sign, Sign]) -> tuple[int, int]:
        return tuple(-2 if s is None else s for s in pattern)  # type: ignore[return-value]

    return {case: sorted(patterns, key=key) for case, patterns in sorted(seen.items())}


@dataclass(frozen=True)
class CaseIISearch:
    """Random case-(ii) configurations (``w > 0, x > 0``, active) and their exact-rule step.

    Arrays have one entry per active configuration; ``trials`` is the number drawn.
    """

    trials: int
    lr: float
    w: Array
    b: Array
    x: Array
    w_new: Array
    shift: Array

    @property
    def left(self) -> NDArray[np.bool_]:
        """Where the elbow moved left (``e' < e``)."""
        return self.shift < 0

    @property
    def flipped(self) -> NDArray[np.bool_]:
        """Where the step reversed the slope (``w' < 0``, i.e. ``λ x > w``)."""
        return self.w_new < 0


def search_case_ii(
    trials: int = 10_000, *, lr: float = 0.1, scale: float = 2.0, seed: object = 0
) -> CaseIISearch:
    """Search random case-(ii) configurations for elbows that move left.

    Draws ``w, x ~ U(0, scale)`` and ``b ~ U(−scale, scale)``, keeps the active ones
    (``w x + b > 0``), sets ``y = φ(x) − 1`` and applies the update rule (not the closed
    form) in float64. Configurations with ``w' = 0`` exactly are dropped (no elbow).

    Parameters
    ----------
    trials
        Number of random configurations, ``1..MAX_TRIALS``.
    lr
        Step size ``λ > 0``.
    scale
        Range of the uniform draws, ``> 0``.
    seed
        ``None``, an integer or a ``numpy.random.Generator``.

    Returns
    -------
    CaseIISearch

    Raises
    ------
    TypeError, ValueError
        For bad arguments or ``trials > MAX_TRIALS``.

    Examples
    --------
    >>> found = search_case_ii(1000, seed=1)
    >>> bool(found.left.any()), bool(np.all(found.b[found.left & ~found.flipped] > 0))
    (True, True)
    """
    count = as_int(trials, "trials", minimum=1)
    if count > MAX_TRIALS:
        raise ValueError(
            f"trials must be <= MAX_TRIALS={MAX_TRIALS}, got {count}; "
            "run several searches with different seeds to go beyond"
        )
    rate = as_positive_float(lr, "lr")
    size = as_positive_float(scale, "scale")
    low, high = SCALE_RANGE
    if not low <= size <= high:
        raise ValueError(
            f"scale must lie in [{low:g}, {high:g}] (SCALE_RANGE), got {size!r}: outside it "
            "the draws, their products or the elbows leave the normal float64 range"
        )
    rng = as_generator(seed)
    w = rng.uniform(0, size, count)
    x = rng.uniform(0, size, count)
    b = rng.uniform(-size, size, count)
    keep = (w > 0) & (x > 0) & (w * x + b > 0)
    w, b, x = w[keep], b[keep], x[keep]
    w_new, b_new = w - rate * x, b - rate  # the update rule with g = 1 on the active side
    defined = w_new != 0
    w, b, x, w_new, b_new = (a[defined] for a in (w, b, x, w_new, b_new))
    shift = finite_result(-b_new / w_new + b / w, "scale, lr", "the elbow shift")
    return CaseIISearch(count, rate, w, b, x, w_new, shift)


# ------------------------------------------------------------------ torch witnesses


def torch_unit_step(
    w: ArrayLike, b: ArrayLike, x: ArrayLike, y: ArrayLike, lr: float
) -> tuple[Array, Array]:
    """Take one ``torch.optim.SGD`` step on ``½ (relu(w x + b) − y)²`` in float64.

    Configurations are batched: the losses of independent configurations are summed,
    so each gets its own gradient.

    Parameters
    ----------
    w, b, x, y
        The unit(s) and training point(s), broadcast together.
    lr
        Step size ``λ > 0``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(w', b')``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> torch_unit_step(1.0, 2.0, 1.0, 2.0, 0.1)
    (array(0.9), array(1.9))
    """
    rate = as_positive_float(lr, "lr")
    wa, ba, xa, ya = (torch.from_numpy(a.copy()) for a in _arrays(w=w, b=b, x=x, y=y))
    wt, bt = wa.requires_grad_(True), ba.requires_grad_(True)
    opt = torch.optim.SGD([wt, bt], lr=rate)
    loss = (0.5 * (torch.relu(wt * xa + bt) - ya) ** 2).sum()
    opt.zero_grad()
    loss.backward()  # type: ignore[no-untyped-call]
    opt.step()
    names, what = "w, b, x, y, lr", "the torch step"
    return finite_result(wt.detach().numpy(), names, what), finite_result(
        bt.detach().numpy(), names, what
    )


# ------------------------------------------------------------------ the width-d network


def _network(
    W1: ArrayLike, b: ArrayLike, W2: ArrayLike, x: object, y: object | None = None
) -> tuple[Array, Array, Array, float, float]:
    W1a = as_real_array(W1, "W1", ndim=1)
    ba = as_real_array(b, "b", ndim=1)
    W2a = as_real_array(W2, "W2", ndim=1)
    for name, array in (("b", ba), ("W2", W2a)):
        if array.shape != W1a.shape:
            raise ValueError(f"{name} must have shape {W1a.shape} like W1, got {array.shape}")
    xs = float(as_real_array(x, "x", ndim=0))  # type: ignore[arg-type]
    ys = 0.0 if y is None else float(as_real_array(y, "y", ndim=0))  # type: ignore[arg-type]
    return W1a, ba, W2a, xs, ys


def network_output(W1: ArrayLike, b: ArrayLike, W2: ArrayLike, x: ArrayLike) -> Array:
    """Evaluate ``f̂(x) = Σ_i W2_i max(W1_i x + b_i, 0)`` at each input.

    Parameters
    ----------
    W1, b, W2
        The ``d`` hidden weights, offsets and output weights (1-D arrays).
    x
        Input(s), any shape.

    Returns
    -------
    numpy.ndarray
        ``f̂(x)``, shape of ``x``.

    Raises
    ------
    TypeError, ValueError
        For bad arrays or mismatched widths.

    Examples
    --------
    >>> network_output([1.0, -1.0], [0.0, 1.0], [2.0, 3.0], [-1.0, 0.5, 2.0])
    array([6. , 2.5, 4. ])
    """
    W1a, ba, W2a, _, _ = _network(W1, b, W2, 0.0)
    xa = as_real_array(x, "x")
    return np.maximum(xa[..., None] * W1a + ba, 0.0) @ W2a


@dataclass(frozen=True)
class NetworkGradients:
    """Gradients of ``ℓ = ½ (f̂(x) − y)²``: ``g = f̂(x) − y`` and one entry per unit."""

    g: float
    W1: Array
    b: Array
    W2: Array


def _target(y: object) -> object:
    """Refuse a missing target: ``None`` would be read as 0 by ``_network``."""
    if y is None:
        raise TypeError("y must be a real number (the target), got None")
    return y


def network_gradients(
    W1: ArrayLike, b: ArrayLike, W2: ArrayLike, x: float, y: float
) -> NetworkGradients:
    """Return ``∂ℓ/∂W1_i = g W2_i a_i x``, ``∂ℓ/∂b_i = g W2_i a_i``, ``∂ℓ/∂W2_i = g φ_i``.

    Parameters
    ----------
    W1, b, W2
        The network (1-D arrays of length ``d``).
    x, y
        One training point (numbers).

    Returns
    -------
    NetworkGradients

    Raises
    ------
    TypeError, ValueError
        For bad arrays or mismatched widths.

    Examples
    --------
    >>> grads = network_gradients([1.0, -1.0], [0.0, 1.0], [2.0, 3.0], 2.0, 1.0)
    >>> grads.g, grads.W1, grads.b, grads.W2    # unit 2 is inactive at x = 2
    (3.0, array([12.,  0.]), array([6., 0.]), array([6., 0.]))
    """
    W1a, ba, W2a, xs, ys = _network(W1, b, W2, x, _target(y))
    pre = W1a * xs + ba
    active = (pre > 0).astype(np.float64)
    g = float(np.maximum(pre, 0.0) @ W2a) - ys
    names, what = "W1, b, W2, x, y", "the gradient of the loss"
    grads = [g * W2a * active * xs, g * W2a * active, g * np.maximum(pre, 0.0)]
    g_w1, g_b, g_w2 = (finite_result(a, names, what) for a in grads)
    return NetworkGradients(float(finite_result(g, names, what)), g_w1, g_b, g_w2)


def network_elbows_after_step(
    W1: ArrayLike, b: ArrayLike, W2: ArrayLike, x: float, y: float, *, lr: float
) -> Array:
    """Return part (d): ``e_i' = −(b_i − λ g W2_i a_i) / (W1_i − λ g W2_i a_i x)``.

    Parameters
    ----------
    W1, b, W2
        The network (1-D arrays of length ``d``).
    x, y
        One training point.
    lr
        Step size ``λ > 0``.

    Returns
    -------
    numpy.ndarray
        The new elbow of each unit. The update of ``W2`` does not enter.

    Raises
    ------
    ValueError
        If some new slope ``W1_i'`` is 0 (no elbow), or for bad arguments.

    Examples
    --------
    >>> network_elbows_after_step([1.0, -1.0], [0.0, 1.0], [2.0, 3.0], 2.0, 1.0, lr=0.01)
    array([0.06818182, 1.        ])
    """
    rate = as_positive_float(lr, "lr")
    W1a, ba, W2a, xs, ys = _network(W1, b, W2, x, _target(y))
    active = (W1a * xs + ba > 0).astype(np.float64)
    g = float(np.maximum(W1a * xs + ba, 0.0) @ W2a) - ys
    upstream = rate * g * W2a * active
    denominator = W1a - upstream * xs
    _nonzero(denominator, "lr", "the step makes some slope W1_i' zero (that unit has no elbow)")
    return finite_result(-(ba - upstream) / denominator, "W1, b, W2, x, y, lr", "the new elbows")


def torch_network_step(
    W1: ArrayLike, b: ArrayLike, W2: ArrayLike, x: float, y: float, *, lr: float
) -> tuple[Array, Array, Array]:
    """Take one ``torch.optim.SGD`` step on ``½ (W2 · relu(W1 x + b) − y)²`` in float64.

    Parameters
    ----------
    W1, b, W2
        The network (1-D arrays of length ``d``).
    x, y
        One training point.
    lr
        Step size ``λ > 0``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(W1', b', W2')``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> W1, b, W2 = torch_network_step([1.0, -1.0], [0.0, 1.0], [2.0, 3.0], 2.0, 1.0, lr=0.01)
    >>> W1, b, W2
    (array([ 0.88, -1.  ]), array([-0.06,  1.  ]), array([1.94, 3.  ]))
    """
    rate = as_positive_float(lr, "lr")
    W1a, ba, W2a, xs, ys = _network(W1, b, W2, x, _target(y))
    params = [torch.from_numpy(a.copy()).requires_grad_(True) for a in (W1a, ba, W2a)]
    opt = torch.optim.SGD(params, lr=rate)
    W1t, bt, W2t = params
    loss = 0.5 * (W2t @ torch.relu(W1t * xs + bt) - ys) ** 2
    opt.zero_grad()
    loss.backward()  # type: ignore[no-untyped-call]
    opt.step()
    names, what = "W1, b, W2, x, y, lr", "the torch step"
    W1n, bn, W2n = (finite_result(p.detach().numpy(), names, what) for p in params)
    return W1n, bn, W2n


# ------------------------------------------------------------------ sympy closed forms


@dataclass(frozen=True)
class SymbolicUnitStep:
    """Symbols and expressions of one step of an active unit.

    ``elbow_new`` comes from the update rule (``w' = w − λ g x``, ``b' = b − λ g``);
    ``shift`` is the closed form ``λ g (1 + e x)/(w − λ g x)`` with ``e = −b/w``. The
    identity ``elbow_new − elbow = shift`` holds for ``w ≠ 0`` and ``w' ≠ 0``.
    """

    w: sympy.Symbol
    b: sympy.Symbol
    x: sympy.Symbol
    g: sympy.Symbol
    lr: sympy.Symbol
    elbow: sympy.Expr
    w_new: sympy.Expr
    b_new: sympy.Expr
    elbow_new: sympy.Expr
    shift: sympy.Expr


def symbolic_unit_step() -> SymbolicUnitStep:
    """Build the sympy expressions of one SGD step of an active unit.

    Substitute ``g = 1`` (``.subs(step.g, 1)``) for part (b)'s
    ``λ (1 + e x)/(w − λ x)``.

    Returns
    -------
    SymbolicUnitStep

    Examples
    --------
    >>> step = symbolic_unit_step()
    >>> sympy.simplify(step.elbow_new - step.elbow - step.shift)
    0
    >>> step.shift.subs(step.g, 1)
    lambda*(-b*x/w + 1)/(-lambda*x + w)
    """
    w, b, x, g = sympy.symbols("w b x g", real=True)
    lr = sympy.Symbol("lambda", positive=True)
    e = -b / w
    w_new, b_new = w - lr * g * x, b - lr * g
    return SymbolicUnitStep(
        w, b, x, g, lr, e, w_new, b_new, -b_new / w_new, lr * g * (1 + e * x) / w_new
    )


@dataclass(frozen=True)
class SymbolicNetworkStep:
    """One SGD step of the width-``d`` network on a fixed activity pattern, in sympy.

    ``output`` is ``f̂(x)`` on that pattern and ``loss`` is ``½ (f̂(x) − y)²``;
    ``elbows_from_step[i]`` is ``−b_i'/W1_i'`` with the parameters updated by gradients
    that sympy computes from the loss; ``elbows_closed_form[i]`` is part (d).
    """

    W1: tuple[sympy.Symbol, ...]
    b: tuple[sympy.Symbol, ...]
    W2: tuple[sympy.Symbol, ...]
    x: sympy.Symbol
    y: sympy.Symbol
    lr: sympy.Symbol
    active: tuple[int, ...]
    output: sympy.Expr
    loss: sympy.Expr
    elbows_from_step: tuple[sympy.Expr, ...]
    elbows_closed_form: tuple[sympy.Expr, ...]


def symbolic_network_step(active: Sequence[int]) -> SymbolicNetworkStep:
    """Build part (d) in sympy for the activity pattern ``active`` (one 0/1 per unit).

    On the region where unit ``i`` is active exactly when ``active[i] = 1``, the ReLU
    network is the polynomial ``Σ_i W2_i a_i (W1_i x + b_i)``; sympy differentiates the
    loss of that polynomial, the step is taken, and the new elbows are compared with
    the closed form ``−(b_i − λ g W2_i a_i)/(W1_i − λ g W2_i a_i x)``.

    Parameters
    ----------
    active
        The pattern ``a``, length ``1..MAX_SYMBOLIC_WIDTH``, entries 0 or 1.

    Returns
    -------
    SymbolicNetworkStep

    Raises
    ------
    TypeError, ValueError
        For a pattern that is not a short sequence of 0/1 integers.

    Examples
    --------
    >>> step = symbolic_network_step([1, 0])
    >>> [sympy.simplify(s - c) for s, c in zip(step.elbows_from_step, step.elbows_closed_form)]
    [0, 0]
    """
    if isinstance(active, str | bytes) or not isinstance(active, Sequence) or not active:
        raise TypeError("active must be a non-empty sequence of 0/1 integers")
    pattern = tuple(as_int(a, "active", minimum=0) for a in active)
    if max(pattern) > 1:
        raise ValueError(f"active must hold only 0 and 1, got {pattern}")
    d = len(pattern)
    if d > MAX_SYMBOLIC_WIDTH:
        raise ValueError(f"active must have at most MAX_SYMBOLIC_WIDTH={MAX_SYMBOLIC_WIDTH} units")
    W1 = sympy.symbols(f"w1_:{d}", real=True)
    b = sympy.symbols(f"b_:{d}", real=True)
    W2 = sympy.symbols(f"w2_:{d}", real=True)
    x, y = sympy.symbols("x y", real=True)
    lr = sympy.Symbol("lambda", positive=True)
    f = sum((W2[i] * pattern[i] * (W1[i] * x + b[i]) for i in range(d)), sympy.Integer(0))
    loss = (f - y) ** 2 / 2
    from_step = tuple(
        -(b[i] - lr * loss.diff(b[i])) / (W1[i] - lr * loss.diff(W1[i])) for i in range(d)
    )
    g = f - y
    closed = tuple(
        -(b[i] - lr * g * W2[i] * pattern[i]) / (W1[i] - lr * g * W2[i] * pattern[i] * x)
        for i in range(d)
    )
    return SymbolicNetworkStep(W1, b, W2, x, y, lr, pattern, f, loss, from_step, closed)
