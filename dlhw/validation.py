"""Input validation shared by every dlhw module.

Each helper either returns a clean value or raises ``TypeError`` (wrong kind of
object) or ``ValueError`` (right kind, wrong value) with a message that names the
argument and says what was expected.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_int(value: object, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking it is an integer ``>= minimum``.

    Examples
    --------
    >>> as_int(np.int64(3), "length", minimum=0)
    3
    >>> as_int(2.5, "length")
    Traceback (most recent call last):
    ...
    TypeError: length must be an integer, got float 2.5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    result = int(value)
    if minimum is not None and result < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {result}")
    return result


def as_positive_float(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float ``> 0`` (``>= 0`` with ``allow_zero``).

    Examples
    --------
    >>> as_positive_float(0.5, "eta")
    0.5
    >>> as_positive_float(0, "eta")
    Traceback (most recent call last):
    ...
    ValueError: eta must be a finite number > 0, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    result = float(value)
    ok = np.isfinite(result) and (result >= 0 if allow_zero else result > 0)
    if not ok:
        raise ValueError(
            f"{name} must be a finite number {'>=' if allow_zero else '>'} 0, got {value!r}"
        )
    return result


def as_real_array(value: ArrayLike, name: str, *, ndim: int | None = None) -> NDArray[np.float64]:
    """Return ``value`` as a finite, non-empty float array with ``ndim`` dimensions.

    Examples
    --------
    >>> as_real_array([[1, 2]], "X", ndim=2).shape
    (1, 2)
    >>> as_real_array([1.0, float("nan")], "y", ndim=1)
    Traceback (most recent call last):
    ...
    ValueError: y must contain only finite numbers (found NaN or inf)
    """
    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array: {err}") from None
    if array.dtype == bool or array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    result = array.astype(np.float64)
    if not np.all(np.isfinite(result)):
        raise ValueError(f"{name} must contain only finite numbers (found NaN or inf)")
    return result


def as_generator(seed: object, name: str = "seed") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed, a generator or ``None``.

    Examples
    --------
    >>> int(as_generator(0).integers(10)) == int(as_generator(0).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool):
        raise TypeError(f"{name} must be None, an integer or a numpy Generator, got bool")
    if isinstance(seed, numbers.Integral):
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"{name} must be None, an integer or a numpy Generator, got {type(seed).__name__}"
    )
