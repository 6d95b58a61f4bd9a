"""Input validation shared by every dlhw module.

Each helper either returns a clean value or raises ``TypeError`` (wrong kind of
object) or ``ValueError`` (right kind, wrong value) with a message that starts with
the argument's name and says what was expected.

Three groups of helpers:

* argument checks: :func:`as_int`, :func:`as_bool`, :func:`as_choice`,
  :func:`as_positive_float`, :func:`as_real_array`, :func:`as_matrix`,
  :func:`as_vector`, :func:`as_generator`;
* size guards, run before work or memory that grows with a user-given count:
  :func:`check_size`, :func:`power_exceeds`;
* numerical range, for inputs of size ``1e±200`` whose products leave float64:
  :func:`scale_exponent` and :func:`rescale` (scaling by a power of two is exact), and
  :func:`finite_result`, the last guard of a closed-form result.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Largest seed of a ``torch.Generator`` (``manual_seed`` takes 64-bit seeds).
MAX_TORCH_SEED = 2**64 - 1
#: ``frexp`` exponents of the normal float64 numbers: ``2**-1022 <= |x| < 2**1024``.
_NORMAL_EXPONENTS = (-1021, 1024)


def _show(value: object) -> str:
    """Describe ``value`` briefly and safely (huge ints, long lists) for a message."""
    if isinstance(value, int) and value.bit_length() > 64:
        digits = int(value.bit_length() * math.log10(2))
        return f"an integer of about 10^{digits}"
    return reprlib.repr(value)


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (the argument name), got {type(name).__name__}")
    return name


def as_int(
    value: object,
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    limit_name: str | None = None,
) -> int:
    """Return ``value`` as a Python int, checking ``minimum <= value <= maximum``.

    Parameters
    ----------
    value
        An integer (Python or numpy); booleans, floats and strings are refused.
    name
        The argument name used in error messages.
    minimum, maximum
        Optional bounds (inclusive).
    limit_name
        Where ``maximum`` comes from (e.g. ``"dlhw.gd.MAX_STEPS"``), named in the
        message so that the caller knows which constant to raise.

    Returns
    -------
    int
        The value as a Python int.

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If it is out of bounds.

    Examples
    --------
    >>> as_int(np.int64(3), "length", minimum=0)
    3
    >>> as_int(2.5, "length")
    Traceback (most recent call last):
    ...
    TypeError: length must be an integer, got float 2.5
    >>> as_int(10**9, "steps", maximum=10**6, limit_name="dlhw.gd.MAX_STEPS")
    Traceback (most recent call last):
    ...
    ValueError: steps must be <= 1000000 (dlhw.gd.MAX_STEPS; raise it to go further), got 1000000000
    """
    _check_name(name)
    if limit_name is not None and not isinstance(limit_name, str):
        raise TypeError(f"limit_name must be a string or None, got {type(limit_name).__name__}")
    for bound, label in ((minimum, "minimum"), (maximum, "maximum")):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise TypeError(f"{label} must be an integer or None, got {type(bound).__name__}")
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {_show(value)}")
    result = int(value)
    if minimum is not None and result < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {_show(result)}")
    if maximum is not None and result > maximum:
        where = f" ({limit_name}; raise it to go further)" if limit_name else ""
        raise ValueError(f"{name} must be <= {maximum}{where}, got {_show(result)}")
    return result


def as_bool(value: object, name: str) -> bool:
    """Return ``value`` as a bool; only ``True``, ``False`` and numpy booleans are accepted.

    Integers and strings are refused, so ``directed="no"`` or ``directed=0`` never
    silently mean something.

    Parameters
    ----------
    value
        ``True`` or ``False`` (Python or numpy).
    name
        The argument name used in error messages.

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        For anything else.

    Examples
    --------
    >>> as_bool(np.True_, "directed")
    True
    >>> as_bool("no", "directed")
    Traceback (most recent call last):
    ...
    TypeError: directed must be True or False, got str 'no'
    """
    _check_name(name)
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {_show(value)}")
    return bool(value)


def _options(choices: Sequence[str]) -> str:
    quoted = [repr(c) for c in choices]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def as_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of the strings ``choices``.

    Parameters
    ----------
    value
        The option given by the caller.
    name
        The argument name used in error messages.
    choices
        The allowed strings.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        If ``value`` is not a string.
    ValueError
        If it is a string that is not one of ``choices``.

    Examples
    --------
    >>> as_choice("max", "aggregate", ("sum", "max"))
    'max'
    >>> as_choice("mean", "aggregate", ("sum", "max"))
    Traceback (most recent call last):
    ...
    ValueError: aggregate must be 'sum' or 'max', got 'mean'
    """
    _check_name(name)
    if (
        isinstance(choices, str)
        or not isinstance(choices, Sequence)
        or not choices
        or not all(isinstance(c, str) for c in choices)
    ):
        raise TypeError("choices must be a non-empty sequence of strings")
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be {_options(choices)}, got {type(value).__name__} {_show(value)}"
        )
    if value not in choices:
        raise ValueError(f"{name} must be {_options(choices)}, got {_show(value)}")
    return value


def as_positive_float(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float ``> 0`` (``>= 0`` with ``allow_zero``).

    Parameters
    ----------
    value
        A real number (int, float, numpy scalar, fraction); not a bool or a string.
    name
        The argument name used in error messages.
    allow_zero
        Accept ``0``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If it is NaN, infinite, too large for a float, or not positive.

    Examples
    --------
    >>> as_positive_float(0.5, "eta")
    0.5
    >>> as_positive_float(0, "eta")
    Traceback (most recent call last):
    ...
    ValueError: eta must be a finite number > 0, got 0
    """
    _check_name(name)
    allow_zero = as_bool(allow_zero, "allow_zero")
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    sign = ">=" if allow_zero else ">"
    try:
        result = float(value)
    except OverflowError:
        raise ValueError(
            f"{name} must be a finite number {sign} 0, got {_show(value)} (beyond float64)"
        ) from None
    ok = math.isfinite(result) and (result >= 0 if allow_zero else result > 0)
    if not ok:
        raise ValueError(f"{name} must be a finite number {sign} 0, got {_show(value)}")
    return result


def as_real(value: object, name: str) -> float:
    """Return ``value`` as a finite float: a real number, not a bool, within float64.

    Examples
    --------
    >>> as_real(3, "t")
    3.0
    >>> as_real(float("nan"), "t")
    Traceback (most recent call last):
    ...
    ValueError: t must be a finite number, got nan
    """
    _check_name(name)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    try:
        result = float(value)
    except OverflowError:
        raise ValueError(
            f"{name} must be a finite number, got {_show(value)} (beyond float64)"
        ) from None
    if not math.isfinite(result):
        raise ValueError(f"{name} must be a finite number, got {_show(value)}")
    return result


def as_real_array(value: ArrayLike, name: str, *, ndim: int | None = None) -> NDArray[np.float64]:
    """Return ``value`` as a finite, non-empty float array with ``ndim`` dimensions.

    Parameters
    ----------
    value
        Numbers in a (nested) list or an array of integer or float dtype. Booleans,
        complex numbers, strings, objects and masked arrays are refused.
    name
        The argument name used in error messages.
    ndim
        Required number of dimensions, or ``None`` for any.

    Returns
    -------
    numpy.ndarray
        A float64 copy.

    Raises
    ------
    TypeError
        For a wrong kind of object or dtype.
    ValueError
        For a ragged, empty or wrongly shaped array, or one with NaN or inf.

    Examples
    --------
    >>> as_real_array([[1, 2]], "X", ndim=2).shape
    (1, 2)
    >>> as_real_array([1.0, float("nan")], "y", ndim=1)
    Traceback (most recent call last):
    ...
    ValueError: y must contain only finite numbers (found NaN or inf)
    """
    _check_name(name)
    if ndim is not None and (isinstance(ndim, bool) or not isinstance(ndim, int) or ndim < 0):
        raise TypeError(f"ndim must be a non-negative integer or None, got {_show(ndim)}")
    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{name} must be a plain array: masked arrays are not supported")
    try:
        array = np.asarray(value)
    except (ValueError, OverflowError) as err:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {err}") from None
    except TypeError as err:
        raise TypeError(f"{name} must be an array of numbers: {err}") from None
    if array.dtype == bool or array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    with np.errstate(over="ignore"):  # long doubles beyond float64 become inf, refused below
        result = array.astype(np.float64)
    if not np.all(np.isfinite(result)):
        raise ValueError(f"{name} must contain only finite numbers (found NaN or inf)")
    return result


def as_matrix(value: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``value`` as a finite, non-empty 2-D float array (see :func:`as_real_array`).

    Parameters
    ----------
    value
        The candidate matrix.
    name
        The argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        A float64 copy of shape ``(rows, cols)``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`as_real_array`.

    Examples
    --------
    >>> as_matrix([[1, 2], [3, 4]], "X").dtype
    dtype('float64')
    >>> as_matrix([1, 2], "X")
    Traceback (most recent call last):
    ...
    ValueError: X must be 2-dimensional, got shape (2,)
    """
    return as_real_array(value, name, ndim=2)


def as_vector(value: ArrayLike, name: str, *, size: int | None = None) -> NDArray[np.float64]:
    """Return ``value`` as a finite 1-D float array, with ``size`` entries if given.

    Parameters
    ----------
    value
        The candidate vector.
    name
        The argument name used in error messages.
    size
        Required number of entries, or ``None`` for any.

    Returns
    -------
    numpy.ndarray
        A float64 copy of shape ``(size,)``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`as_real_array`, or for a wrong number of entries.

    Examples
    --------
    >>> as_vector([1, 2, 3], "y", size=3)
    array([1., 2., 3.])
    >>> as_vector([1, 2], "y", size=3)
    Traceback (most recent call last):
    ...
    ValueError: y must have 3 entries, got shape (2,)
    """
    vector = as_real_array(value, name, ndim=1)
    if size is not None and vector.shape[0] != as_int(size, "size", minimum=1):
        raise ValueError(f"{name} must have {size} entries, got shape {vector.shape}")
    return vector


def as_generator(seed: object, name: str = "seed") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed, a generator or ``None``.

    Parameters
    ----------
    seed
        A non-negative integer, a ``numpy.random.Generator`` (returned as it is), or
        ``None`` for fresh entropy (not reproducible).
    name
        The argument name used in error messages.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        For any other kind of object (booleans included).
    ValueError
        For a negative integer.

    Examples
    --------
    >>> int(as_generator(0).integers(10)) == int(as_generator(0).integers(10))
    True
    >>> as_generator(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be >= 0, got -1
    """
    _check_name(name)
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be None, an integer or a numpy Generator, got {type(seed).__name__}"
        )
    return np.random.default_rng(as_int(seed, name, minimum=0))


# --- size guards ------------------------------------------------------------------------


def check_size(needed: int, limit: int, what: str, *, limit_name: str) -> None:
    """Refuse work or memory beyond ``limit`` before it is spent.

    Parameters
    ----------
    needed
        The size the call would need (entries, sequences, operations...).
    limit
        The largest size allowed.
    what
        Start of the message: the argument that makes the size, and the size, e.g.
        ``"steps=10**9 needs (steps + 1) * d = ... entries"``.
    limit_name
        The constant holding ``limit`` (named so the caller can raise it).

    Raises
    ------
    ValueError
        If ``needed > limit``.

    Returns
    -------
    None

    Examples
    --------
    >>> check_size(10, 100, "steps=9 needs 10 entries", limit_name="dlhw.gd.MAX_ENTRIES")
    >>> check_size(10**9, 100, "steps=10**9 needs 10**9 entries", limit_name="M.LIMIT")
    Traceback (most recent call last):
    ...
    ValueError: steps=10**9 needs 10**9 entries; the limit is 100 (M.LIMIT; raise it to go further)
    """
    if not isinstance(what, str) or not isinstance(limit_name, str):
        raise TypeError("what and limit_name must be strings")
    count = as_int(needed, "needed", minimum=0)
    bound = as_int(limit, "limit", minimum=0)
    if count > bound:
        raise ValueError(f"{what}; the limit is {bound} ({limit_name}; raise it to go further)")


def power_exceeds(base: int, exponent: int, limit: int) -> bool:
    """Whether ``base ** exponent > limit``, decided without computing a huge power.

    Parameters
    ----------
    base, exponent
        Non-negative integers.
    limit
        A positive integer.

    Returns
    -------
    bool
        Exact, computed with at most ``bit_length(limit)`` squarings' worth of digits.

    Raises
    ------
    TypeError, ValueError
        For non-integers or negative values.

    Examples
    --------
    >>> power_exceeds(10, 10**18, 10**7), power_exceeds(1, 10**18, 10**7)
    (True, False)
    >>> power_exceeds(10, 7, 10**7), power_exceeds(10, 8, 10**7)
    (False, True)
    """
    b = as_int(base, "base", minimum=0)
    e = as_int(exponent, "exponent", minimum=0)
    bound = as_int(limit, "limit", minimum=1)
    if b <= 1:
        return (1 if e == 0 else b) > bound
    if e >= bound.bit_length():  # b**e >= 2**e > bound
        return True
    return bool(b**e > bound)


# --- numerical range --------------------------------------------------------------------


def _real_values(values: ArrayLike, name: str, what: str) -> NDArray[np.float64]:
    """Return a computed result as float64 (a non-numeric one is refused, named anyway)."""
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: {what} must be an array of real numbers: {err}") from None
    if raw.dtype == bool or raw.dtype.kind not in "iuf" or isinstance(values, np.ma.MaskedArray):
        raise TypeError(f"{name}: {what} must be an array of real numbers, got dtype {raw.dtype}")
    return raw.astype(np.float64)


def finite_result(values: ArrayLike, name: str, what: str) -> NDArray[np.float64]:
    """Return ``values`` as floats if all are finite, else refuse the inputs ``name``.

    The last guard of a closed-form result computed from valid but extreme inputs
    (entries of size ``1e200``, a capacitance of ``1e-320``): a NaN or an infinity there
    is an overflow, not an answer.

    Parameters
    ----------
    values
        The result.
    name
        The argument(s) responsible, named first in the message.
    what
        What the result is, for the message.

    Returns
    -------
    numpy.ndarray
        ``values`` as float64.

    Raises
    ------
    ValueError
        If an entry is NaN or infinite.

    Examples
    --------
    >>> finite_result([1.0, 2.0], "X", "the loss")
    array([1., 2.])
    >>> finite_result([1e308 * 10], "X", "the loss")
    Traceback (most recent call last):
    ...
    ValueError: X is out of range: the loss overflows float64 (got inf or NaN); rescale X
    """
    _check_name(name)
    if not isinstance(what, str):
        raise TypeError(f"what must be a string, got {type(what).__name__}")
    array = _real_values(values, name, what)
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} is out of range: {what} overflows float64 (got inf or NaN); rescale {name}"
        )
    return array


def scale_exponent(array: ArrayLike) -> int:
    """Return ``e`` with ``max |array| = f * 2**e``, ``0.5 <= f < 1`` (``0`` if all zero).

    Dividing by ``2**e`` (``numpy.ldexp(array, -e)``) is exact and brings the entries
    into ``(-1, 1)``, so products of numbers of size ``1e±200`` neither overflow nor
    underflow; :func:`rescale` undoes the scaling of a result.

    Parameters
    ----------
    array
        Numbers (any shape).

    Returns
    -------
    int
        ``e``; ``0`` for an all-zero array.

    Raises
    ------
    TypeError, ValueError
        As in :func:`as_real_array` (``array`` must be finite and non-empty).

    Examples
    --------
    >>> e = scale_exponent([3e200, -1.0])
    >>> e, float(np.ldexp(3e200, -e))
    (666, 0.97981513...)
    >>> scale_exponent([0.0])
    0
    """
    largest = float(np.max(np.abs(as_real_array(array, "array"))))
    if largest == 0:
        return 0
    return math.frexp(largest)[1]


def rescale(values: ArrayLike, exponent: int, name: str, what: str) -> NDArray[np.float64]:
    """Return ``values * 2**exponent``, refusing a result outside the normal float64 range.

    Parameters
    ----------
    values
        A result computed from rescaled inputs (finite).
    exponent
        The power of two that undoes the scaling.
    name
        The argument(s) responsible, named first in the message.
    what
        What the result is, for the message.

    Returns
    -------
    numpy.ndarray
        The rescaled values (exact when the result is normal).

    Raises
    ------
    ValueError
        If the largest entry of the result overflows float64, or underflows below its
        smallest normal number ``2**-1022`` while ``values`` is not all zero.

    Examples
    --------
    >>> rescale([1.5, 3.0], 2, "X", "the Hessian")
    array([ 6., 12.])
    >>> rescale([1.5], 1400, "X", "the Hessian 2XᵀX")
    Traceback (most recent call last):
    ...
    ValueError: X is too large: the Hessian 2XᵀX would be about 1e421, beyond float64 (< 1.8e308)
    """
    _check_name(name)
    if not isinstance(what, str):
        raise TypeError(f"what must be a string, got {type(what).__name__}")
    shift = as_int(exponent, "exponent")
    array = _real_values(values, name, what)
    if array.size == 0:
        raise ValueError(f"{name}: {what} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: {what} is not finite")
    if np.any(array):
        top = scale_exponent(array)
        power = top + shift - 1  # the result is about 2**power
        size = (
            f"about 1e{round(power * math.log10(2))}"
            if abs(power) < 10**15
            else f"about 2^({_show(power)})"
        )
        if top + shift > _NORMAL_EXPONENTS[1]:
            raise ValueError(
                f"{name} is too large: {what} would be {size}, beyond float64 (< 1.8e308)"
            )
        if top + shift < _NORMAL_EXPONENTS[0]:
            raise ValueError(
                f"{name} is too small: {what} would be {size}, "
                "below the float64 range (>= 2.2e-308)"
            )
    return np.asarray(np.ldexp(array, shift), dtype=np.float64)


def times_power_of_two(value: float, exponent: int, name: str, what: str) -> float:
    """Return ``value * 2**exponent``, refusing an overflow: a step size times a data scale.

    Iterations on rescaled data (``X / 2**e``, see :func:`scale_exponent`) take the
    step ``eta 4**e``; when that product leaves float64 the step is absurd for the data
    and the iteration would diverge at once.

    Parameters
    ----------
    value
        A finite float ``>= 0`` (the step size).
    exponent
        The power of two.
    name
        The argument responsible (``"eta"``), named first in the message.
    what
        What the product is, for the message (``"eta · XᵀX"``).

    Returns
    -------
    float
        The product (exact: scaling by a power of two).

    Raises
    ------
    ValueError
        If the product overflows float64.

    Examples
    --------
    >>> times_power_of_two(0.75, 3, "eta", "eta · XᵀX")
    6.0
    >>> times_power_of_two(1e200, 700, "eta", "eta · XᵀX")
    Traceback (most recent call last):
    ...
    ValueError: eta is too large for this X: eta · XᵀX overflows float64 (the iteration ...
    """
    _check_name(name)
    if not isinstance(what, str):
        raise TypeError(f"what must be a string, got {type(what).__name__}")
    shift = as_int(exponent, "exponent")
    factor = as_positive_float(value, name, allow_zero=True)
    shift = max(min(shift, 4096), -4096)  # beyond ±4096 the product is inf or 0 anyway
    with np.errstate(over="ignore", under="ignore"):
        result = float(np.ldexp(factor, shift))
    if not math.isfinite(result):
        raise ValueError(
            f"{name} is too large for this X: {what} overflows float64 "
            "(the iteration would diverge at once)"
        )
    return result


def finite_run(values: ArrayLike, steps: ArrayLike, what: str, cause: str) -> None:
    """Refuse a run of an iteration whose recorded values left float64.

    A diverging iteration (a step size beyond the stable range) grows geometrically
    until it overflows; returning the ``inf`` or ``NaN`` rows would be a silent wrong
    answer, so the run is refused with the first step that overflowed and the cause.

    Parameters
    ----------
    values
        The recorded values, one row (of any shape) per recorded step.
    steps
        The step number of each row.
    what
        What the values are, for the message (``"the iterates"``).
    cause
        The likely cause, naming the arguments responsible.

    Raises
    ------
    ValueError
        If an entry is NaN or infinite.

    Examples
    --------
    >>> finite_run([[1.0], [2.0]], [0, 1], "the iterates", "eta is too large")
    >>> finite_run([[1.0], [np.inf]], [0, 5], "the iterates", "eta is too large")
    Traceback (most recent call last):
    ...
    ValueError: the iterates overflow float64 at step 5: eta is too large
    """
    for label, text in (("what", what), ("cause", cause)):
        if not isinstance(text, str):
            raise TypeError(f"{label} must be a string, got {type(text).__name__}")
    array = _real_values(values, "values", what)
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"values must hold one row per recorded step, got shape {array.shape}")
    numbers = as_real_array(steps, "steps", ndim=1)
    if numbers.shape != (array.shape[0],):
        raise ValueError(
            f"steps must give one step number per row of values ({array.shape[0]}), "
            f"got shape {numbers.shape}"
        )
    finite = np.isfinite(array.reshape(array.shape[0], -1)).all(axis=1)
    if not finite.all():
        first = int(numbers[int(np.argmin(finite))])
        raise ValueError(f"{what} overflow float64 at step {first}: {cause}")
