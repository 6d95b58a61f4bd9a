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

from dlhw.validation import as_int, as_real_array

#: Largest ``d`` for which the exact functions enumerate all ``2^d`` inputs.
MAX_EXACT_D = 24
#: Largest number of entries (masks times parameters) :func:`mask_gradients` will hold.
MAX_MASK_ENTRIES = 2**27
#: Inputs processed at once; bounds the memory of the exact sums over ``{0,1}^d``.
CHUNK = 2**12

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

    Examples
    --------
    >>> as_params(([[1, 0]], [0.5], [2.0], -1)).beta
    -1.0
    >>> as_params(([[1, 0]], [0.5, 1.0], [2.0], -1))
    Traceback (most recent call last):
    ...
    ValueError: params: b must have shape (1,) to match W with k = 1 units, got (2,)
    """
    if isinstance(params, str | bytes) or not hasattr(params, "__len__"):
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


def n_params(d: int, k: int) -> int:
    """Return the length ``dk + 2k + 1`` of the parameter vector of ``k`` units.

    Examples
    --------
    >>> n_params(3, 6)
    31
    """
    return as_int(d, "d", minimum=1) * as_int(k, "k", minimum=1) + 2 * k + 1


def flatten(params: object) -> FloatArray:
    """Return the parameter vector ``p = [w_1, ..., w_k, b, alpha, beta]``.

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

    Examples
    --------
    >>> all_inputs(2)
    array([[0, 0],
           [0, 1],
           [1, 0],
           [1, 1]])
    """
    dim = _exact_d(d)
    first = as_int(start, "start", minimum=0)
    last = 2**dim if stop is None else as_int(stop, "stop", minimum=first)
    if last > 2**dim:
        raise ValueError(f"stop must be <= 2^d = {2**dim}, got {last}")
    codes = np.arange(first, last, dtype=np.int64)
    shifts = np.arange(dim - 1, -1, -1, dtype=np.int64)
    return (codes[:, None] >> shifts) & 1


def _chunks(d: int) -> Iterator[FloatArray]:
    """All of ``{0,1}^d`` in blocks of :data:`CHUNK` rows, as float64 (BLAS products)."""
    for start in range(0, 2**d, CHUNK):
        yield all_inputs(d, start, min(start + CHUNK, 2**d)).astype(np.float64)


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
    return np.asarray(np.maximum(X.astype(np.float64) @ p.W.T + p.b, 0.0) @ p.alpha + p.beta)


def output_gradients(params: object, x: ArrayLike) -> FloatArray:
    """Return the gradient of ``f`` with respect to ``p`` at each input, one row per ``x``.

    ``df/dw_i = alpha_i 1[z_i > 0] x``, ``df/db_i = alpha_i 1[z_i > 0]``,
    ``df/dalpha_i = max(0, z_i)`` and ``df/dbeta = 1``, with ``z_i = w_i·x + b_i``.

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
    return _grad_f(p, X.astype(np.float64))


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

    Examples
    --------
    >>> gradient_bound(([[1.0, -2.0]], [0.5], [3.0], 0.0))
    3.5
    """
    p = as_params(params)
    return float(max(1.0, np.abs(p.alpha).max(), (np.abs(p.W).sum(axis=1) + np.abs(p.b)).max()))


def population_risk(params: object, v: ArrayLike) -> tuple[float, float]:
    """Compute the exact population hinge risk and accuracy for the mask ``v``.

    Both are averages over all ``2^d`` inputs, in chunks of :data:`CHUNK`: the risk
    ``E_x max(0, 1 - y f(x))`` and the accuracy ``P_x(sign f(x) = y)`` (an output of
    exactly 0 counts as wrong).

    Examples
    --------
    >>> v = [1, 0, 1, 1]
    >>> population_risk(exact_parity_network(v), v)
    (0.0, 1.0)
    >>> population_risk(([[0.0] * 4], [0.0], [0.0], 0.0), v)
    (1.0, 0.0)
    """
    mask = _binary(v, "v", ndim=(1,))
    p, d = _params_for(params, mask.shape[0])
    risk = correct = 0.0
    for X in _chunks(d):
        f = np.maximum(X @ p.W.T + p.b, 0.0) @ p.alpha + p.beta
        y = 1.0 - 2.0 * ((X @ mask.astype(np.float64)) % 2)
        risk += float(np.maximum(0.0, 1.0 - y * f).sum())
        correct += float(np.count_nonzero(np.sign(f) == y))
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

    Examples
    --------
    >>> v = np.array([1, 1, 0])
    >>> np.abs(population_gradient(exact_parity_network(v), v)).max()  # a minimum
    np.float64(0.0)
    >>> population_gradient(([[1.0, 0.0]], [0.0], [1.0], 0.0), [1, 1])
    array([0.25, 0.  , 0.25, 0.25, 0.25])
    """
    mask = _binary(v, "v", ndim=(1,))
    p, d = _params_for(params, mask.shape[0])
    total = np.zeros(n_params(d, p.W.shape[0]))
    for X in _chunks(d):
        z = X @ p.W.T + p.b
        f = np.maximum(z, 0.0) @ p.alpha + p.beta
        y = 1.0 - 2.0 * ((X @ mask.astype(np.float64)) % 2)
        total += _weighted_sum(p, X, z, -y * (y * f < 1))
    return np.asarray(total / 2**d)


def mask_gradients_naive(params: object, d: int) -> FloatArray:
    """Compute :func:`mask_gradients` naively: one :func:`population_gradient` per mask.

    Costs ``2^d`` passes over all ``2^d`` inputs; for tests and benchmarks.

    Examples
    --------
    >>> p = exact_parity_network([1, 0])
    >>> np.allclose(mask_gradients_naive(p, 2), mask_gradients(p, 2))
    True
    """
    p, dim = _params_for(params, d)
    return np.stack([population_gradient(p, v) for v in all_inputs(dim)])


def _gradient_parts(p: Params, X: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per input: ``g(x) = -(1_1(f) + 1_1(-f))/2 grad f`` and the weight ``-(1_1(f) - 1_1(-f))/2``.

    ``1_1(u) = 1`` for ``u < 1`` and ``0`` otherwise.
    """
    z = X @ p.W.T + p.b
    f = np.maximum(z, 0.0) @ p.alpha + p.beta
    up, down = (f < 1).astype(float), (-f < 1).astype(float)
    return -(up + down)[:, None] / 2 * _grad_f(p, X), -(up - down) / 2


def common_gradient(params: object, d: int) -> FloatArray:
    """Return the mask-free part ``a = -E_x[(1_1(f) - 1_1(-f))/2 grad f(x)]`` of the gradients.

    With ``1_1(u) = 1`` for ``u < 1`` and ``0`` otherwise,
    ``grad R(p) = a + E_x[(-1)^(v·x) g(x)]`` for every mask ``v``.

    Examples
    --------
    >>> common_gradient(([[1.0, 0.0]], [0.0], [1.0], 0.0), 2)
    array([0.25 , 0.125, 0.25 , 0.25 , 0.25 ])
    """
    p, dim = _params_for(params, d)
    total = np.zeros(n_params(dim, p.W.shape[0]))
    for X in _chunks(dim):
        z = X @ p.W.T + p.b
        f = np.maximum(z, 0.0) @ p.alpha + p.beta
        total += _weighted_sum(p, X, z, -((f < 1).astype(float) - (-f < 1)) / 2)
    return np.asarray(total / 2**dim)


def walsh_hadamard(values: ArrayLike) -> FloatArray:
    """Fast Walsh-Hadamard transform along the first axis (length ``2^d``), unnormalised.

    Returns ``T[v] = sum_x (-1)^(v·x) values[x]`` with ``x, v`` indexed as in
    :func:`all_inputs`, in ``O(d 2^d)`` additions per column.

    Examples
    --------
    >>> walsh_hadamard([1.0, 0.0, 0.0, 0.0])
    array([1., 1., 1., 1.])
    >>> walsh_hadamard([0.0, 1.0, 0.0, 0.0])
    array([ 1., -1.,  1., -1.])
    """
    A = as_real_array(values, "values").copy()
    n = A.shape[0]
    if n & (n - 1):
        raise ValueError(f"values must have a power-of-two length along axis 0, got {n}")
    h = 1
    while h < n:
        pairs = A.reshape(n // (2 * h), 2, h, -1)
        top = pairs[:, 0].copy()
        pairs[:, 0] += pairs[:, 1]
        pairs[:, 1] = top - pairs[:, 1]
        h *= 2
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
            f"the limit is {MAX_MASK_ENTRIES} (use gradient_variance for larger d)"
        )
    X = all_inputs(dim).astype(np.float64)
    g, weight = _gradient_parts(p, X)
    a = _weighted_sum(p, X, X @ p.W.T + p.b, weight) / 2**dim
    return np.asarray(a + walsh_hadamard(g) / 2**dim)


def gradient_variance(params: object, d: int) -> float:
    """Compute the exact ``E_v ||grad R_v(p) - a||^2`` over all ``2^d`` masks, by Parseval.

    The Walsh-Hadamard matrix ``H`` satisfies ``H H^T = 2^d I``, so
    ``sum_v ||2^-d (H g)(v)||^2 = 2^-d sum_x ||g(x)||^2`` and the average over masks is
    ``2^-d E_x ||g(x)||^2``. The inputs are processed in blocks of :data:`CHUNK` that
    share their leading bits, so memory stays small for every ``d <=``
    :data:`MAX_EXACT_D`, and the pre-activations of a block cost one addition each.

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
    total = 0.0
    alpha2 = p.alpha**2
    # A block of CHUNK consecutive inputs shares its leading bits: z = W x + b is the
    # block's fixed part (leading bits) plus a table over the trailing bits, one addition
    # per entry instead of a product with W.
    low = min(dim, CHUNK.bit_length() - 1)
    X_low = all_inputs(low).astype(np.float64) if low else np.zeros((1, 0))
    z_low = X_low @ p.W[:, dim - low :].T + p.b
    ones_low = X_low.sum(axis=1)
    W_high = p.W[:, : dim - low]
    for block in range(2 ** (dim - low)):
        x_high = (block >> np.arange(dim - low - 1, -1, -1)) & 1
        h = z_low + W_high @ x_high
        np.maximum(h, 0.0, out=h)  # h = relu(z); z > 0 exactly where h > 0
        f = h @ p.alpha + p.beta
        coef = ((f < 1).astype(np.float64) + (-f < 1)) / 2
        # ||grad f||^2 = sum_i alpha_i^2 1[z_i > 0] (|x|^2 + 1) + sum_i relu(z_i)^2 + 1
        norm2 = (h > 0) @ alpha2 * (ones_low + x_high.sum() + 1)
        norm2 += np.einsum("ij,ij->i", h, h) + 1.0
        total += float(coef**2 @ norm2)
    return float(total / 4**dim)


def variance_bound(params: object) -> float:
    """Return the numerator ``C_p = (dk + 2k + 1) c_p^2`` of the bound ``C_p / 2^d``.

    Examples
    --------
    >>> variance_bound(([[1.0, -2.0]], [0.5], [3.0], 0.0))
    61.25
    """
    p = as_params(params)
    k, d = p.W.shape
    return float(n_params(d, k) * gradient_bound(p) ** 2)
