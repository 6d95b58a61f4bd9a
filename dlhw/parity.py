"""Parity with a two-layer ReLU network: an exact construction and exact population gradients.

The data are ``x ~ Unif{0,1}^d`` with label ``y = (-1)^(v·x)`` for a mask ``v`` in
``{0,1}^d``. The model is ``f(x) = Σ_i α_i max(0, w_i·x + b_i) + β`` with ``k`` units;
its parameter vector is ``p = [w_1, ..., w_k, b, α, β]`` (length ``dk + 2k + 1``).

Everything here is exact in the sense that expectations over ``x`` are averages over all
``2^d`` inputs, never samples. Inputs and masks are indexed in lexicographic order: row
``n`` of :func:`all_inputs` holds the binary digits of ``n``, most significant first, so
the matrix ``[(-1)^(v·x)]`` indexed by (mask, input) is the Walsh-Hadamard matrix.

Subgradient convention (used by every gradient in this module, and by torch's ``relu``):
the hinge ``max(0, 1 - u)`` has derivative ``-1`` for ``u < 1`` and ``0`` for ``u >= 1``,
and ``max(0, z)`` has derivative ``1`` for ``z > 0`` and ``0`` for ``z <= 0``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlhw.validation import as_int, as_real_array, check_size

# Size limits, read at each call: raise one (``dlhw.parity.MAX_EXACT_WORK = 2**36``) to
# allow bigger computations.

#: Largest ``d`` for which the exact functions enumerate all ``2^d`` inputs.
MAX_EXACT_D = 24
#: Largest number of entries (masks times parameters) :func:`mask_gradients` will hold.
MAX_MASK_ENTRIES = 2**27
#: Largest array (entries) any other function here builds or returns.
MAX_ENTRIES = 2**27
#: Most (input, parameter) pairs an exact sum over ``{0,1}^d`` may visit: ``2^d`` times
#: the number of parameters; about 2.5 ns each, so the default is about 20 s.
MAX_EXACT_WORK = 2**33
#: The same for :func:`mask_gradients_naive`, which visits ``4^d`` times the number of
#: parameters (about 1 ns each): the default admits its d = 14 benchmark, about 2 minutes.
MAX_NAIVE_WORK = 2**37
#: Inputs processed at once; bounds the memory of the exact sums over ``{0,1}^d``.
CHUNK = 2**12
#: The exact risk and variance sums visit ``{0,1}^d`` in blocks of ``2^BLOCK_BITS`` inputs
#: that share their leading bits (small enough for the block to stay in cache).
BLOCK_BITS = 10

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Params(NamedTuple):
    """Parameters of the two-layer network ``f(x) = α·relu(W x + b) + β``.

    A named tuple ``(W, b, alpha, beta)``: first-layer weights ``W`` of shape ``(k, d)``
    (row ``i`` is ``w_i``), first-layer biases ``b`` and output weights ``alpha`` of
    shape ``(k,)``, and the output bias ``beta``.

    Examples
    --------
    >>> W, b, alpha, beta = Params(np.ones((2, 3)), np.zeros(2), np.ones(2), 0.5)
    >>> W.shape, beta
    ((2, 3), 0.5)
    """

    #: First-layer weights, shape ``(k, d)``.
    W: FloatArray
    #: First-layer biases, shape ``(k,)``.
    b: FloatArray
    #: Output weights, shape ``(k,)``.
    alpha: FloatArray
    #: Output bias.
    beta: float


# --- validation -------------------------------------------------------------------------


def _binary(value: ArrayLike, name: str, *, ndim: tuple[int, ...]) -> IntArray:
    """Return ``value`` as an int64 array of 0/1 entries with one of the allowed ``ndim``."""
    array = as_real_array(value, name)
    if array.ndim not in ndim:
        shapes = " or ".join(f"{n}-dimensional" for n in ndim)
        raise ValueError(f"{name} must be {shapes}, got shape {array.shape}")
    if not np.all((array == 0) | (array == 1)):
        raise ValueError(f"{name} must contain only 0 and 1 entries")
    return array.astype(np.int64)


def _exact_d(d: object, name: str = "d") -> int:
    value = as_int(d, name, minimum=1)
    if value > MAX_EXACT_D:
        raise ValueError(
            f"{name}={value} is too large for exact enumeration of all 2^{name} inputs; "
            f"the limit is {name} <= {MAX_EXACT_D}"
        )
    return value


def _check_work(p: Params, d: int, *, masks: bool = False) -> None:
    """Refuse an exact sum over ``{0,1}^d`` (over all masks too) beyond the work limit."""
    size = n_params(d, p.W.shape[0])
    work = (4**d if masks else 2**d) * size
    check_size(
        work,
        MAX_NAIVE_WORK if masks else MAX_EXACT_WORK,
        f"d={d} with params of {size} parameters needs {'4' if masks else '2'}^d x {size} = "
        f"{work} (input, parameter) pairs",
        limit_name=f"dlhw.parity.{'MAX_NAIVE_WORK' if masks else 'MAX_EXACT_WORK'}",
    )


def _finite(values: FloatArray, what: str) -> FloatArray:
    """Refuse a result that overflowed (weights too large for float64)."""
    if not np.all(np.isfinite(values)):
        raise ValueError(f"params are too large: {what} overflows float64")
    return values


def as_params(params: object, name: str = "params") -> Params:
    """Validate network parameters ``(W, b, alpha, beta)`` and return them as :class:`Params`.

    Parameters
    ----------
    params
        A 4-sequence: ``W`` of shape ``(k, d)``, ``b`` and ``alpha`` of shape ``(k,)``,
        and a scalar ``beta``; all finite.
    name
        The argument name used in error messages.

    Returns
    -------
    Params
        Float64 copies of the four parts.

    Raises
    ------
    TypeError
        If ``params`` is not a sequence of four parts, or a part is not an array of
        real numbers.
    ValueError
        For wrong shapes, empty parts or NaN/inf.

    Examples
    --------
    >>> as_params(([[1, 0]], [0.5], [2.0], -1)).beta
    -1.0
    >>> as_params(([[1, 0]], [0.5, 1.0], [2.0], -1))
    Traceback (most recent call last):
    ...
    ValueError: params: b must have shape (1,) to match W with k = 1 units, got (2,)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (the argument name), got {type(name).__name__}")
    if isinstance(params, str | bytes | dict) or not hasattr(params, "__len__"):
        raise TypeError(f"{name} must be a tuple (W, b, alpha, beta), got {type(params).__name__}")
    parts: tuple[ArrayLike, ...] = tuple(params)  # type: ignore[arg-type]
    if len(parts) != 4:
        raise ValueError(f"{name} must have four parts (W, b, alpha, beta), got {len(parts)}")
    W = as_real_array(parts[0], f"{name}: W", ndim=2)
    k = W.shape[0]
    vectors = []
    for part, label in ((parts[1], "b"), (parts[2], "alpha")):
        vector = as_real_array(part, f"{name}: {label}")
        if vector.shape != (k,):
            raise ValueError(
                f"{name}: {label} must have shape ({k},) to match W with k = {k} units, "
                f"got {vector.shape}"
            )
        vectors.append(vector)
    beta = as_real_array(parts[3], f"{name}: beta")
    if beta.size != 1:
        raise ValueError(f"{name}: beta must be a scalar, got shape {beta.shape}")
    return Params(W, vectors[0], vectors[1], float(beta.reshape(()).item()))


def _params_for(params: object, d: object) -> tuple[Params, int]:
    """Validate ``params`` and an input dimension ``d`` that must match ``W``."""
    p = as_params(params)
    dim = _exact_d(d)
    if p.W.shape[1] != dim:
        raise ValueError(f"d={dim} does not match params: W has d = {p.W.shape[1]} columns")
    return p, dim


def _params_for_mask(params: object, v: ArrayLike) -> tuple[Params, IntArray]:
    """Validate ``params`` and a mask ``v`` whose length must match ``W``."""
    mask = _binary(v, "v", ndim=(1,))
    p = as_params(params)
    dim = mask.shape[0]
    if p.W.shape[1] != dim:
        raise ValueError(
            f"v has d = {dim} coordinates but params has d = {p.W.shape[1]} (columns of W)"
        )
    if dim > MAX_EXACT_D:
        raise ValueError(
            f"v has d = {dim} coordinates: too many for exact enumeration of all 2^d inputs; "
            f"the limit is d <= {MAX_EXACT_D}"
        )
    return p, mask


def _outputs(p: Params, z: FloatArray) -> FloatArray:
    """``f = alpha · relu(z) + beta`` on a block of inputs, refusing an overflow."""
    f = np.maximum(z, 0.0) @ p.alpha + p.beta
    if not np.all(np.isfinite(f)):
        raise ValueError("params are too large: the network output overflows float64")
    return np.asarray(f)


def n_params(d: int, k: int) -> int:
    """Return the length ``dk + 2k + 1`` of the parameter vector of ``k`` units.

    Parameters
    ----------
    d, k
        Input dimension and number of units, integers ``>= 1``.

    Returns
    -------
    int
        ``dk + 2k + 1`` (a Python int: no overflow).

    Raises
    ------
    TypeError, ValueError
        For non-integers or values below 1.

    Examples
    --------
    >>> n_params(3, 6)
    31
    """
    dim, units = as_int(d, "d", minimum=1), as_int(k, "k", minimum=1)
    return dim * units + 2 * units + 1


def flatten(params: object) -> FloatArray:
    """Return the parameter vector ``p = [w_1, ..., w_k, b, alpha, beta]``.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` as in :class:`Params`.

    Returns
    -------
    numpy.ndarray
        The ``dk + 2k + 1`` parameters in the order ``W`` (row by row), ``b``, ``alpha``,
        ``beta``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`as_params`.

    Examples
    --------
    >>> flatten(([[1, 2], [3, 4]], [5, 6], [7, 8], 9))
    array([1., 2., 3., 4., 5., 6., 7., 8., 9.])
    """
    p = as_params(params)
    return np.concatenate([p.W.ravel(), p.b, p.alpha, [p.beta]])


# --- the data ---------------------------------------------------------------------------


def all_inputs(d: int, start: int = 0, stop: int | None = None) -> IntArray:
    """Return rows ``start, ..., stop - 1`` of the list of all ``x`` in ``{0,1}^d``.

    Parameters
    ----------
    d
        Dimension, ``1 <= d <=`` :data:`MAX_EXACT_D`.
    start, stop
        The rows, ``0 <= start <= stop <= 2^d`` (``stop`` defaults to ``2^d``); at
        most :data:`MAX_ENTRIES` entries in all.

    Returns
    -------
    numpy.ndarray
        int64 array of shape ``(stop - start, d)``, row ``n`` the binary digits of
        ``start + n``, most significant first.

    Raises
    ------
    TypeError, ValueError
        For bad or inconsistent arguments, or a result larger than the limit.

    Examples
    --------
    >>> all_inputs(2)
    array([[0, 0],
           [0, 1],
           [1, 0],
           [1, 1]])
    >>> all_inputs(3, start=100)
    Traceback (most recent call last):
    ...
    ValueError: start must be <= 2^d = 8, got 100
    """
    dim = _exact_d(d)
    first = as_int(start, "start", minimum=0)
    if first > 2**dim:
        raise ValueError(f"start must be <= 2^d = {2**dim}, got {first}")
    last = 2**dim if stop is None else as_int(stop, "stop", minimum=first)
    if last > 2**dim:
        raise ValueError(f"stop must be <= 2^d = {2**dim}, got {last}")
    check_size(
        (last - first) * dim,
        MAX_ENTRIES,
        f"d={dim}, start={first}, stop={last} needs (stop - start) · d = "
        f"{(last - first) * dim} entries",
        limit_name="dlhw.parity.MAX_ENTRIES",
    )
    codes = np.arange(first, last, dtype=np.int64)
    shifts = np.arange(dim - 1, -1, -1, dtype=np.int64)
    return (codes[:, None] >> shifts) & 1


def _chunks(d: int) -> Iterator[FloatArray]:
    """All of ``{0,1}^d`` in blocks of :data:`CHUNK` rows, as float64 (BLAS products)."""
    for start in range(0, 2**d, CHUNK):
        yield all_inputs(d, start, min(start + CHUNK, 2**d)).astype(np.float64)


def _relu_blocks(p: Params, d: int) -> Iterator[tuple[IntArray, FloatArray]]:
    """Yield ``(x_high, relu(W x + b))`` over all of ``{0,1}^d``, one block at a time.

    A block holds the ``2^low`` inputs (``low = min(d, BLOCK_BITS)``) whose leading
    ``d - low`` bits are ``x_high``; its rows run over the trailing bits in the order of
    ``all_inputs(low)``, so the blocks in turn list ``{0,1}^d`` in the order of
    :func:`all_inputs`. The pre-activations of a block are a table over the trailing
    bits plus ``W_high x_high``: one addition per entry instead of a product with ``W``.
    The array yielded is reused: use it before asking for the next block.
    """
    low = min(d, BLOCK_BITS)
    z_low = _low_bits(d) @ p.W[:, d - low :].T + p.b
    W_high = p.W[:, : d - low]
    shifts = np.arange(d - low - 1, -1, -1, dtype=np.int64)
    h = np.empty_like(z_low)
    for block in range(2 ** (d - low)):
        x_high = (block >> shifts) & 1
        np.add(z_low, W_high @ x_high, out=h)
        np.maximum(h, 0.0, out=h)
        yield x_high, h


def _low_bits(d: int) -> FloatArray:
    """Return the trailing bits of the rows of a block of :func:`_relu_blocks`, as float64."""
    low = min(d, BLOCK_BITS)
    return all_inputs(low).astype(np.float64) if low else np.zeros((1, 0))


def _output_of_relu(p: Params, h: FloatArray) -> FloatArray:
    """``f = alpha · h + beta`` for a block of ``h = relu(z)``, refusing an overflow."""
    f = h @ p.alpha + p.beta
    if not np.all(np.isfinite(f)):
        raise ValueError("params are too large: the network output overflows float64")
    return np.asarray(f)


def parity_labels(x: ArrayLike, v: ArrayLike) -> IntArray:
    """Return the labels ``(-1)^(v·x)`` for 0/1 inputs ``x`` (one or many) and mask ``v``.

    Parameters
    ----------
    x
        Shape ``(d,)`` or ``(n, d)``, entries 0 or 1.
    v
        Shape ``(d,)``, entries 0 or 1.

    Returns
    -------
    numpy.ndarray
        int64 labels in ``{-1, +1}``, shape ``()`` or ``(n,)``.

    Raises
    ------
    TypeError, ValueError
        For entries other than 0 and 1, wrong shapes, or lengths that do not match.

    Examples
    --------
    >>> parity_labels([[0, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]], [1, 1, 0])
    array([ 1,  1, -1,  1])
    >>> parity_labels([0, 2], [1, 1])
    Traceback (most recent call last):
    ...
    ValueError: x must contain only 0 and 1 entries
    """
    X = _binary(x, "x", ndim=(1, 2))
    mask = _binary(v, "v", ndim=(1,))
    if X.shape[-1] != mask.shape[0]:
        raise ValueError(f"x has d = {X.shape[-1]} coordinates but v has {mask.shape[0]}")
    return np.asarray(1 - 2 * ((X @ mask) % 2), dtype=np.int64)


# --- the network ------------------------------------------------------------------------


def minimum_units(d: int) -> int:
    """Return the units of the hand-set construction, ``3 (floor(d/2) + 1)``: a tent per even ``s``.

    Parameters
    ----------
    d
        Input dimension, an integer ``>= 1``.

    Returns
    -------
    int
        ``3 (floor(d/2) + 1)``.

    Raises
    ------
    TypeError, ValueError
        For a non-integer or ``d < 1``.

    Examples
    --------
    >>> [minimum_units(d) for d in (1, 2, 3, 10)]
    [3, 6, 6, 18]
    """
    return 3 * (as_int(d, "d", minimum=1) // 2 + 1)


def exact_parity_network(v: ArrayLike, k: int | None = None) -> Params:
    """Return the hand-set network that outputs ``(-1)^(v·x)`` exactly on ``{0,1}^d``.

    Unit triple ``i = 0, ..., floor(d/2)`` has weights ``w = v``, biases
    ``-(2i - 1/2), -2i, -(2i + 1/2)`` and output weights ``4, -8, 4``: a tent of height 2
    centred at ``s = v·x = 2i`` that vanishes at every odd integer. With ``beta = -1`` the
    output is ``+1`` at even ``s`` and ``-1`` at odd ``s``.

    Parameters
    ----------
    v
        The mask, shape ``(d,)``, entries 0 or 1.
    k
        Number of units; default :func:`minimum_units` ``(d)``. Extra units are zero
        (``w = 0``, ``b = 0``, ``alpha = 0``) and do not change the output.

    Returns
    -------
    Params

    Raises
    ------
    ValueError
        If ``k`` is smaller than ``3 (floor(d/2) + 1)``.

    Examples
    --------
    >>> p = exact_parity_network([1, 0, 1])
    >>> p.W.shape, p.beta
    ((6, 3), -1.0)
    >>> network_output(p, all_inputs(3))
    array([ 1., -1.,  1., -1., -1.,  1., -1.,  1.])
    >>> np.array_equal(network_output(p, all_inputs(3)), parity_labels(all_inputs(3), [1, 0, 1]))
    True
    >>> exact_parity_network([1, 0, 1, 1], k=6)
    Traceback (most recent call last):
    ...
    ValueError: k=6 is too small: the construction needs k >= 3 (floor(d/2) + 1) = 9 for d = 4
    """
    mask = _binary(v, "v", ndim=(1,))
    d = mask.shape[0]
    need = minimum_units(d)
    units = need if k is None else as_int(k, "k", minimum=1)
    if units < need:
        raise ValueError(
            f"k={units} is too small: the construction needs k >= 3 (floor(d/2) + 1) "
            f"= {need} for d = {d}"
        )
    check_size(
        units * d,
        MAX_ENTRIES,
        f"k={units} units on v of d = {d} coordinates need k · d = {units * d} weights",
        limit_name="dlhw.parity.MAX_ENTRIES",
    )
    W = np.zeros((units, d))
    b = np.zeros(units)
    alpha = np.zeros(units)
    W[:need] = mask
    centres = 2.0 * np.arange(need // 3)
    b[0:need:3], b[1:need:3], b[2:need:3] = -(centres - 0.5), -centres, -(centres + 0.5)
    alpha[0:need:3], alpha[1:need:3], alpha[2:need:3] = 4.0, -8.0, 4.0
    return Params(W, b, alpha, -1.0)


def network_output(params: object, x: ArrayLike) -> FloatArray:
    """Evaluate the two-layer network ``f(x) = sum_i alpha_i max(0, w_i·x + b_i) + beta``.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` as in :class:`Params`.
    x
        Inputs in ``{0,1}^d``, shape ``(d,)`` or ``(n, d)``.

    Returns
    -------
    numpy.ndarray
        Outputs, shape ``()`` or ``(n,)``.

    Raises
    ------
    TypeError, ValueError
        For bad ``params`` or ``x``, sizes beyond :data:`MAX_ENTRIES`, or an output
        that overflows float64.

    Examples
    --------
    >>> network_output(([[1.0, 1.0]], [-1.0], [2.0], 0.5), [[0, 0], [1, 1]])
    array([0.5, 2.5])
    >>> network_output(([[1.0, 1.0]], [-1.0], [2.0], 0.5), [1, 0, 1])
    Traceback (most recent call last):
    ...
    ValueError: x has d = 3 coordinates but params has d = 2 (columns of W)
    """
    p = as_params(params)
    X = _binary(x, "x", ndim=(1, 2))
    if X.shape[-1] != p.W.shape[1]:
        raise ValueError(
            f"x has d = {X.shape[-1]} coordinates but params has d = {p.W.shape[1]} (columns of W)"
        )
    _check_activations(X, p, per_input=p.W.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        return _outputs(p, X.astype(np.float64) @ p.W.T + p.b)


def _check_activations(X: IntArray, p: Params, *, per_input: int) -> None:
    rows = X.shape[0] if X.ndim == 2 else 1
    check_size(
        rows * per_input,
        MAX_ENTRIES,
        f"x holds {rows} inputs: with params of k = {p.W.shape[0]} units that needs "
        f"{rows * per_input} entries",
        limit_name="dlhw.parity.MAX_ENTRIES",
    )


def output_gradients(params: object, x: ArrayLike) -> FloatArray:
    """Return the gradient of ``f`` with respect to ``p`` at each input, one row per ``x``.

    ``df/dw_i = alpha_i 1[z_i > 0] x``, ``df/db_i = alpha_i 1[z_i > 0]``,
    ``df/dalpha_i = max(0, z_i)`` and ``df/dbeta = 1``, with ``z_i = w_i·x + b_i``.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` as in :class:`Params`.
    x
        Inputs in ``{0,1}^d``, shape ``(d,)`` or ``(n, d)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, dk + 2k + 1)``, ordered like :func:`flatten`.

    Raises
    ------
    TypeError, ValueError
        As in :func:`network_output`.

    Examples
    --------
    >>> output_gradients(([[1.0, 1.0]], [-1.0], [2.0], 0.5), [[0, 0], [1, 1]])
    array([[0., 0., 0., 0., 1.],
           [2., 2., 2., 1., 1.]])
    """
    p = as_params(params)
    X = np.atleast_2d(_binary(x, "x", ndim=(1, 2)))
    if X.shape[1] != p.W.shape[1]:
        raise ValueError(
            f"x has d = {X.shape[1]} coordinates but params has d = {p.W.shape[1]} (columns of W)"
        )
    k, d = p.W.shape
    _check_activations(X, p, per_input=n_params(d, k))
    with np.errstate(over="ignore", invalid="ignore"):
        return _finite(_grad_f(p, X.astype(np.float64)), "the output gradient")


def _grad_f(p: Params, X: FloatArray) -> FloatArray:
    z = X @ p.W.T + p.b
    active = p.alpha * (z > 0)  # (n, k)
    dW = active[:, :, None] * X[:, None, :]  # (n, k, d)
    n = X.shape[0]
    return np.concatenate([dW.reshape(n, -1), active, np.maximum(z, 0.0), np.ones((n, 1))], axis=1)


def _weighted_sum(p: Params, X: FloatArray, z: FloatArray, weight: FloatArray) -> FloatArray:
    """``sum_x weight(x) * grad_p f(x)`` over the rows of ``X``, without forming the rows."""
    active = (z > 0) * weight[:, None]  # (n, k)
    return np.concatenate(
        [
            (p.alpha[:, None] * (active.T @ X)).ravel(),
            p.alpha * active.sum(axis=0),
            weight @ np.maximum(z, 0.0),
            [weight.sum()],
        ]
    )


def gradient_bound(params: object) -> float:
    """Return ``c_p = max(1, max_i |alpha_i|, max_i (||w_i||_1 + |b_i|))``, bounding ``|df/dp_j|``.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` as in :class:`Params`.

    Returns
    -------
    float
        ``c_p``.

    Raises
    ------
    TypeError, ValueError
        For bad ``params``, or a bound beyond float64.

    Examples
    --------
    >>> gradient_bound(([[1.0, -2.0]], [0.5], [3.0], 0.0))
    3.5
    """
    p = as_params(params)
    with np.errstate(over="ignore"):
        rows = np.abs(p.W).sum(axis=1) + np.abs(p.b)
    bound = np.asarray(max(1.0, np.abs(p.alpha).max(), rows.max()))
    return float(_finite(bound, "the gradient bound c_p"))


def population_risk(params: object, v: ArrayLike) -> tuple[float, float]:
    """Compute the exact population hinge risk and accuracy for the mask ``v``.

    Both are averages over all ``2^d`` inputs, in blocks of ``2^BLOCK_BITS``: the risk
    ``E_x max(0, 1 - y f(x))`` and the accuracy ``P_x(sign f(x) = y)`` (an output of
    exactly 0 counts as wrong).

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` with ``W`` of shape ``(k, d)``.
    v
        The mask, shape ``(d,)``, entries 0 or 1.

    Returns
    -------
    tuple of float
        The risk and the accuracy.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, ``d`` beyond :data:`MAX_EXACT_D`, work beyond
        :data:`MAX_EXACT_WORK`, or an output that overflows float64.

    Examples
    --------
    >>> v = [1, 0, 1, 1]
    >>> population_risk(exact_parity_network(v), v)
    (0.0, 1.0)
    >>> population_risk(([[0.0] * 4], [0.0], [0.0], 0.0), v)
    (1.0, 0.0)
    """
    p, mask = _params_for_mask(params, v)
    d = mask.shape[0]
    _check_work(p, d)
    risk = correct = 0.0
    low = min(d, BLOCK_BITS)
    y_low = 1.0 - 2.0 * ((_low_bits(d) @ mask[d - low :].astype(np.float64)) % 2)
    with np.errstate(over="ignore", invalid="ignore"):
        for x_high, h in _relu_blocks(p, d):
            f = _output_of_relu(p, h)
            y = y_low if int(mask[: d - low] @ x_high) % 2 == 0 else -y_low
            risk += float(np.maximum(0.0, 1.0 - y * f).sum())
            correct += float(np.count_nonzero(np.sign(f) == y))
    _finite(np.asarray(risk), "the population risk")
    return risk / 2**d, correct / 2**d


# --- exact population gradients ---------------------------------------------------------


def population_gradient(params: object, v: ArrayLike) -> FloatArray:
    """Compute the exact gradient of the population hinge risk ``R(p)`` for the mask ``v``.

    ``R(p) = E_x max(0, 1 - y f(x))`` with ``y = (-1)^(v·x)``, averaged over all ``2^d``
    inputs. Subgradient convention: the hinge contributes ``-y grad f(x)`` where
    ``y f(x) < 1`` and nothing where ``y f(x) >= 1``; ``relu'(0) = 0``. This is what torch's
    autograd returns for ``relu(1 - y * f)`` with ``relu`` units.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` with ``W`` of shape ``(k, d)``.
    v
        The mask, shape ``(d,)``, entries 0 or 1; ``d <=`` :data:`MAX_EXACT_D`.

    Returns
    -------
    numpy.ndarray
        The gradient as a vector of length ``dk + 2k + 1``, ordered like :func:`flatten`.

    Raises
    ------
    TypeError, ValueError
        As in :func:`population_risk`.

    Examples
    --------
    >>> v = np.array([1, 1, 0])
    >>> np.abs(population_gradient(exact_parity_network(v), v)).max()  # a minimum
    np.float64(0.0)
    >>> population_gradient(([[1.0, 0.0]], [0.0], [1.0], 0.0), [1, 1])
    array([0.25, 0.  , 0.25, 0.25, 0.25])
    """
    p, mask = _params_for_mask(params, v)
    d = mask.shape[0]
    _check_work(p, d)
    total = np.zeros(n_params(d, p.W.shape[0]))
    with np.errstate(over="ignore", invalid="ignore"):
        for X in _chunks(d):
            z = X @ p.W.T + p.b
            f = _outputs(p, z)
            y = 1.0 - 2.0 * ((X @ mask.astype(np.float64)) % 2)
            total += _weighted_sum(p, X, z, -y * (y * f < 1))
    return _finite(np.asarray(total / 2**d), "the population gradient")


def mask_gradients_naive(params: object, d: int) -> FloatArray:
    """Compute :func:`mask_gradients` naively: one :func:`population_gradient` per mask.

    Costs ``2^d`` passes over all ``2^d`` inputs; for tests and benchmarks.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` with ``W`` of shape ``(k, d)``.
    d
        Input dimension; ``4^d (dk + 2k + 1)`` must not exceed :data:`MAX_NAIVE_WORK`.

    Returns
    -------
    numpy.ndarray
        Shape ``(2^d, dk + 2k + 1)``, as :func:`mask_gradients`.

    Raises
    ------
    TypeError, ValueError
        For bad arguments or sizes beyond the limits.

    Examples
    --------
    >>> p = exact_parity_network([1, 0])
    >>> np.allclose(mask_gradients_naive(p, 2), mask_gradients(p, 2))
    True
    """
    p, dim = _params_for(params, d)
    _check_work(p, dim, masks=True)
    check_size(
        2**dim * n_params(dim, p.W.shape[0]),
        MAX_MASK_ENTRIES,
        f"d={dim} needs 2^d x {n_params(dim, p.W.shape[0])} entries",
        limit_name="dlhw.parity.MAX_MASK_ENTRIES",
    )
    return np.stack([population_gradient(p, v) for v in all_inputs(dim)])


def _gradient_parts(p: Params, X: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per input: ``g(x) = -(1_1(f) + 1_1(-f))/2 grad f`` and the weight ``-(1_1(f) - 1_1(-f))/2``.

    ``1_1(u) = 1`` for ``u < 1`` and ``0`` otherwise.
    """
    z = X @ p.W.T + p.b
    f = _outputs(p, z)
    up, down = (f < 1).astype(float), (-f < 1).astype(float)
    return -(up + down)[:, None] / 2 * _grad_f(p, X), -(up - down) / 2


def common_gradient(params: object, d: int) -> FloatArray:
    """Return the mask-free part ``a = -E_x[(1_1(f) - 1_1(-f))/2 grad f(x)]`` of the gradients.

    With ``1_1(u) = 1`` for ``u < 1`` and ``0`` otherwise,
    ``grad R(p) = a + E_x[(-1)^(v·x) g(x)]`` for every mask ``v``.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` with ``W`` of shape ``(k, d)``.
    d
        Input dimension, matching ``W``.

    Returns
    -------
    numpy.ndarray
        ``a``, ordered like :func:`flatten`.

    Raises
    ------
    TypeError, ValueError
        As in :func:`population_risk`.

    Examples
    --------
    >>> common_gradient(([[1.0, 0.0]], [0.0], [1.0], 0.0), 2)
    array([0.25 , 0.125, 0.25 , 0.25 , 0.25 ])
    """
    p, dim = _params_for(params, d)
    _check_work(p, dim)
    total = np.zeros(n_params(dim, p.W.shape[0]))
    with np.errstate(over="ignore", invalid="ignore"):
        for X in _chunks(dim):
            z = X @ p.W.T + p.b
            f = _outputs(p, z)
            total += _weighted_sum(p, X, z, -((f < 1).astype(float) - (-f < 1)) / 2)
    return _finite(np.asarray(total / 2**dim), "the common gradient")


def walsh_hadamard(values: ArrayLike) -> FloatArray:
    """Fast Walsh-Hadamard transform along the first axis (length ``2^d``), unnormalised.

    Returns ``T[v] = sum_x (-1)^(v·x) values[x]`` with ``x, v`` indexed as in
    :func:`all_inputs`, in ``O(d 2^d)`` additions per column.

    Parameters
    ----------
    values
        Finite array with a power-of-two length along axis 0 (any trailing shape).

    Returns
    -------
    numpy.ndarray
        The transform, same shape.

    Raises
    ------
    TypeError, ValueError
        For a bad array, a length that is not a power of two, or sums beyond float64.

    Examples
    --------
    >>> walsh_hadamard([1.0, 0.0, 0.0, 0.0])
    array([1., 1., 1., 1.])
    >>> walsh_hadamard([0.0, 1.0, 0.0, 0.0])
    array([ 1., -1.,  1., -1.])
    """
    A = as_real_array(values, "values").copy()
    if A.ndim == 0:
        raise ValueError("values must be at least 1-dimensional (length 2^d along axis 0)")
    n = A.shape[0]
    if n & (n - 1):
        raise ValueError(f"values must have a power-of-two length along axis 0, got {n}")
    h = 1
    with np.errstate(over="ignore", invalid="ignore"):
        while h < n:
            pairs = A.reshape(n // (2 * h), 2, h, -1)
            top = pairs[:, 0].copy()
            pairs[:, 0] += pairs[:, 1]
            pairs[:, 1] = top - pairs[:, 1]
            h *= 2
    if not np.all(np.isfinite(A)):
        raise ValueError("values are too large: their Walsh-Hadamard sums overflow float64")
    return A


def mask_gradients(params: object, d: int) -> FloatArray:
    """Compute the exact population gradient for every one of the ``2^d`` masks at once.

    Uses ``grad R_v(p) = a + 2^-d sum_x (-1)^(v·x) g(x)``: the second term for all ``v``
    is one fast Walsh-Hadamard transform of the rows ``g(x)``. Same subgradient
    convention as :func:`population_gradient`.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` with ``W`` of shape ``(k, d)``.
    d
        Input dimension; ``2^d (dk + 2k + 1)`` must not exceed :data:`MAX_MASK_ENTRIES`.

    Returns
    -------
    numpy.ndarray
        Shape ``(2^d, dk + 2k + 1)``; row ``n`` is the gradient for mask
        ``all_inputs(d)[n]``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, sizes beyond :data:`MAX_MASK_ENTRIES`, or overflow.

    Examples
    --------
    >>> p = exact_parity_network([1, 1, 0])
    >>> G = mask_gradients(p, 3)
    >>> G.shape
    (8, 31)
    >>> np.array_equal(G[6], population_gradient(p, [1, 1, 0]))
    True
    >>> mask_gradients(p, 4)
    Traceback (most recent call last):
    ...
    ValueError: d=4 does not match params: W has d = 3 columns
    """
    p, dim = _params_for(params, d)
    size = n_params(dim, p.W.shape[0])
    if 2**dim * size > MAX_MASK_ENTRIES:
        raise ValueError(
            f"d={dim} with {size} parameters needs 2^d x {size} = {2**dim * size} entries; "
            f"the limit is {MAX_MASK_ENTRIES} (dlhw.parity.MAX_MASK_ENTRIES; use "
            "gradient_variance for larger d)"
        )
    X = np.asarray(_inputs_for_masks(dim), dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        g, weight = _gradient_parts(p, X)
        a = _weighted_sum(p, X, X @ p.W.T + p.b, weight) / 2**dim
    _finite(g, "the per-input gradient")
    return _finite(np.asarray(a + walsh_hadamard(g) / 2**dim), "the mask gradients")


def _inputs_for_masks(d: int) -> IntArray:
    """All of ``{0,1}^d`` (its size was checked against :data:`MAX_MASK_ENTRIES`)."""
    codes = np.arange(2**d, dtype=np.int64)
    return (codes[:, None] >> np.arange(d - 1, -1, -1, dtype=np.int64)) & 1


def gradient_variance(params: object, d: int) -> float:
    """Compute the exact ``E_v ||grad R_v(p) - a||^2`` over all ``2^d`` masks, by Parseval.

    The Walsh-Hadamard matrix ``H`` satisfies ``H H^T = 2^d I``, so
    ``sum_v ||2^-d (H g)(v)||^2 = 2^-d sum_x ||g(x)||^2`` and the average over masks is
    ``2^-d E_x ||g(x)||^2``. The inputs are processed in blocks of ``2^BLOCK_BITS`` that
    share their leading bits, so memory stays small for every ``d <=``
    :data:`MAX_EXACT_D`, and the pre-activations of a block cost one addition each.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` with ``W`` of shape ``(k, d)``.
    d
        Input dimension, matching ``W``, at most :data:`MAX_EXACT_D`.

    Returns
    -------
    float
        ``E_v ||grad R_v(p) - a||^2``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`population_risk`.

    Examples
    --------
    >>> p = exact_parity_network([1, 0, 1, 1])
    >>> G = mask_gradients(p, 4) - common_gradient(p, 4)
    >>> bool(np.isclose(gradient_variance(p, 4), (G**2).sum(axis=1).mean()))
    True
    >>> gradient_variance(exact_parity_network([1] * 25), 25)
    Traceback (most recent call last):
    ...
    ValueError: d=25 is too large for exact enumeration of all 2^d inputs; the limit is d <= 24
    """
    p, dim = _params_for(params, d)
    _check_work(p, dim)
    total = 0.0
    ones_low = _low_bits(dim).sum(axis=1) + 1.0  # the trailing bits' part of |x|^2 + 1
    with np.errstate(over="ignore", invalid="ignore"):  # huge weights: refused below
        alpha2 = p.alpha**2
        active = np.empty((ones_low.shape[0], p.W.shape[0]), dtype=bool)
        for x_high, h in _relu_blocks(p, dim):
            f = _output_of_relu(p, h)
            coef = ((f < 1).astype(np.float64) + (-f < 1)) / 2
            # ||grad f||^2 = sum_i alpha_i^2 1[z_i > 0] (|x|^2 + 1) + sum_i relu(z_i)^2 + 1;
            # h = relu(z), so z > 0 exactly where h > 0
            np.greater(h, 0.0, out=active)
            norm2 = active @ alpha2 * (ones_low + x_high.sum())
            norm2 += np.einsum("ij,ij->i", h, h) + 1.0
            total += float(coef**2 @ norm2)
    return float(_finite(np.asarray(total / 4**dim), "the gradient variance"))


def variance_bound(params: object) -> float:
    """Return the numerator ``C_p = (dk + 2k + 1) c_p^2`` of the bound ``C_p / 2^d``.

    Parameters
    ----------
    params
        ``(W, b, alpha, beta)`` as in :class:`Params`.

    Returns
    -------
    float
        ``C_p``.

    Raises
    ------
    TypeError, ValueError
        For bad ``params``, or a bound beyond float64.

    Examples
    --------
    >>> variance_bound(([[1.0, -2.0]], [0.5], [3.0], 0.0))
    61.25
    """
    p = as_params(params)
    k, d = p.W.shape
    with np.errstate(over="ignore"):
        bound = np.asarray(n_params(d, k) * np.float64(gradient_bound(p)) ** 2)
    return float(_finite(bound, "the variance bound C_p"))


# --- the construction cut short, and a network of d units ---------------------------------


def construction_prefix(v: ArrayLike, k: int) -> Params:
    """Return the first ``k`` units of the hand-set construction, in their order.

    The units of :func:`exact_parity_network` are listed triple by triple,
    ``i = 0, ..., floor(d/2)``, and the list continues with zero units (``w = 0``,
    ``b = 0``, ``alpha = 0``). The first ``k`` units of that list, with ``beta = -1``,
    are returned for every ``k >= 1``: for ``k >= 3 (floor(d/2) + 1)`` this is
    ``exact_parity_network(v, k)``; for smaller ``k`` the construction is cut short,
    which may or may not still represent the parity.

    Parameters
    ----------
    v
        The mask, shape ``(d,)``, entries 0 or 1.
    k
        Number of units kept, an integer ``>= 1``.

    Returns
    -------
    Params

    Raises
    ------
    TypeError, ValueError
        For a bad mask or ``k``, or ``k d`` beyond :data:`MAX_ENTRIES`.

    Examples
    --------
    >>> X, v = all_inputs(4), [1, 1, 1, 1]
    >>> [bool(np.array_equal(network_output(construction_prefix(v, k), X), parity_labels(X, v)))
    ...  for k in (6, 7, 9)]
    [False, True, True]
    >>> construction_prefix(v, 2).b
    array([ 0.5, -0. ])
    """
    mask = _binary(v, "v", ndim=(1,))
    units = as_int(k, "k", minimum=1)
    full = exact_parity_network(mask, max(units, minimum_units(mask.shape[0])))
    return Params(
        full.W[:units].copy(), full.b[:units].copy(), full.alpha[:units].copy(), full.beta
    )


def construction_prefix_outputs(v: ArrayLike, x: ArrayLike, k_max: int) -> FloatArray:
    """Return the outputs of every prefix of the construction: row ``k - 1`` for ``k`` units.

    Row ``k - 1`` is ``network_output(construction_prefix(v, k), x)``, computed for all
    ``k = 1, ..., k_max`` at once by summing the contributions ``alpha_i relu(w_i·x + b_i)``
    of the units one after the other.

    Parameters
    ----------
    v
        The mask, shape ``(d,)``, entries 0 or 1.
    x
        Inputs in ``{0,1}^d``, shape ``(n, d)``.
    k_max
        The longest prefix, an integer ``>= 1``.

    Returns
    -------
    numpy.ndarray
        Shape ``(k_max, n)``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or ``k_max n`` beyond :data:`MAX_ENTRIES`.

    Examples
    --------
    >>> construction_prefix_outputs([1, 1], [[0, 0], [1, 0], [1, 1]], 4)
    array([[ 1.,  5.,  9.],
           [ 1., -3., -7.],
           [ 1., -1., -1.],
           [ 1., -1.,  1.]])
    """
    mask = _binary(v, "v", ndim=(1,))
    X = _binary(x, "x", ndim=(2,))
    if X.shape[1] != mask.shape[0]:
        raise ValueError(f"x has d = {X.shape[1]} coordinates but v has {mask.shape[0]}")
    units = as_int(k_max, "k_max", minimum=1)
    check_size(
        units * X.shape[0],
        MAX_ENTRIES,
        f"k_max={units} prefixes on {X.shape[0]} inputs need {units * X.shape[0]} entries",
        limit_name="dlhw.parity.MAX_ENTRIES",
    )
    p = construction_prefix(mask, units)
    contributions = np.maximum(X.astype(np.float64) @ p.W.T + p.b, 0.0) * p.alpha  # (n, k)
    return np.asarray(np.cumsum(contributions, axis=1).T + p.beta)


def interpolating_network(v: ArrayLike) -> Params:
    """Return a network of ``d`` units that outputs ``(-1)^(v·x)`` exactly on ``{0,1}^d``.

    Every unit has ``w = v``; with ``s = v·x``, the output is
    ``h(s) = 1 - 2 relu(s) + sum_{n=1}^{d-1} 4 (-1)^(n+1) relu(s - n)``, the
    piecewise-linear function through the points ``(n, (-1)^n)``: unit ``n + 1`` has bias
    ``-n`` and output weight ``-2`` (``n = 0``) or ``4 (-1)^(n+1)``, and ``beta = 1``.

    Parameters
    ----------
    v
        The mask, shape ``(d,)``, entries 0 or 1.

    Returns
    -------
    Params
        ``d`` units.

    Raises
    ------
    TypeError, ValueError
        For a bad mask, or ``d^2`` beyond :data:`MAX_ENTRIES`.

    Examples
    --------
    >>> p = interpolating_network([1, 0, 1])
    >>> p.b, p.alpha
    (array([-0., -1., -2.]), array([-2.,  4., -4.]))
    >>> network_output(p, all_inputs(3))
    array([ 1., -1.,  1., -1., -1.,  1., -1.,  1.])
    """
    mask = _binary(v, "v", ndim=(1,))
    d = mask.shape[0]
    check_size(
        d * d,
        MAX_ENTRIES,
        f"v of d = {d} coordinates needs d^2 = {d * d} weights",
        limit_name="dlhw.parity.MAX_ENTRIES",
    )
    steps = np.arange(d, dtype=np.float64)
    alpha = np.where(steps % 2 == 1, 4.0, -4.0)
    alpha[0] = -2.0
    return Params(np.tile(mask.astype(np.float64), (d, 1)), -steps, alpha, 1.0)
