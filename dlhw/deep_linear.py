r"""Deep linear networks: capacity, the loss in the product, critical points, saddles.

A deep linear network of depth ``L`` with widths ``d_0 = d, d_1, ..., d_L = p`` has
weights ``W_i`` of shape ``(d_i, d_{i-1})`` and computes
:math:`f(x) = W_L \cdots W_1 x = \overline W x`. Everywhere in this module
``weights`` is the list ``[W_1, ..., W_L]`` (first layer first) and ``widths`` the tuple
``(d_0, ..., d_L)``. The data are ``X (n, d)`` and ``Y (n, p)``, one example per row.

The training loss is :math:`R = \tfrac12\sum_i\|\overline W x_i - y_i\|^2`, which equals
:math:`Q(\overline W) = \tfrac12\|\overline W X^\top - Y^\top\|_F^2`, a convex function of
the product. Layer ``i`` receives the gradient

.. math:: \frac{\partial R}{\partial W_i} = \overline W_{(L:i+1)}^\top
          (\overline W X^\top X - Y^\top X)\, \overline W_{(i-1:1)}^\top ,

with the partial products :math:`\overline W_{(L:i+1)} = W_L\cdots W_{i+1}` and
:math:`\overline W_{(i-1:1)} = W_{i-1}\cdots W_1` (identities at the ends). The outer
factors can vanish while the middle one does not: critical points that are not global
minima. Layer indices ``i`` are 1-based, as in the formulas.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy
import torch
from numpy.typing import ArrayLike, NDArray

from dlhw.validation import (
    as_generator,
    as_int,
    as_positive_float,
    as_real_array,
    check_size,
    finite_result,
    power_exceeds,
)

FloatArray = NDArray[np.float64]

#: Largest number of parameters of :func:`risk_hessian` (the Hessian has this squared).
MAX_HESSIAN_PARAMETERS = 2_000
#: Largest number of cases an enumeration (:func:`integer_matrices`,
#: :func:`reachable_ranks`, :func:`width_profiles`) may produce.
MAX_ENUMERATION = 2_000_000
#: Largest side of a matrix factorised exactly (sympy rationals).
MAX_EXACT_SIZE = 16
#: Largest number of gradient steps of :func:`train_deep_linear`.
MAX_STEPS = 1_000_000
#: Largest number of entries of the arrays built by :func:`zero_weights` and
#: :func:`teacher_data`.
MAX_ENTRIES = 10**8
#: Cases handled at once by :func:`reachable_ranks`.
_CHUNK = 65_536


# --------------------------------------------------------------------------- input


def _weights(weights: Sequence[ArrayLike], name: str = "weights") -> list[FloatArray]:
    """Validate ``[W_1, ..., W_L]``: real matrices whose shapes chain."""
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence):
        raise TypeError(
            f"{name} must be a list [W_1, ..., W_L] of matrices, got {type(weights).__name__}"
        )
    if len(weights) == 0:
        raise ValueError(f"{name} must hold at least one matrix (depth L >= 1)")
    out = [as_real_array(W, f"{name}[{i}]", ndim=2) for i, W in enumerate(weights)]
    for i in range(1, len(out)):
        if out[i].shape[1] != out[i - 1].shape[0]:
            raise ValueError(
                f"{name}[{i}] must have {out[i - 1].shape[0]} columns to follow {name}"
                f"[{i - 1}] of shape {out[i - 1].shape}, got shape {out[i].shape}"
            )
    return out


def _widths(widths: Sequence[object]) -> tuple[int, ...]:
    """Validate ``(d_0, ..., d_L)``: at least two positive integers."""
    if isinstance(widths, str | bytes) or not isinstance(widths, Sequence):
        raise TypeError(f"widths must be a sequence of integers, got {type(widths).__name__}")
    if len(widths) < 2:
        raise ValueError(f"widths must list d_0, ..., d_L with L >= 1, got {list(widths)}")
    return tuple(as_int(w, f"widths[{i}]", minimum=1) for i, w in enumerate(widths))


def _data(X: ArrayLike, Y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    A = as_real_array(X, "X", ndim=2)
    B = as_real_array(Y, "Y", ndim=2)
    if B.shape[0] != A.shape[0]:
        raise ValueError(f"Y must have one row per row of X ({A.shape[0]}), got {B.shape[0]}")
    return A, B


def _fits(
    X: FloatArray, Y: FloatArray, d: int, p: int, what: str = "the network given by weights"
) -> tuple[FloatArray, FloatArray]:
    if X.shape[1] != d:
        raise ValueError(f"X must have {d} columns (the input width of {what}), got {X.shape[1]}")
    if Y.shape[1] != p:
        raise ValueError(f"Y must have {p} columns (the output width of {what}), got {Y.shape[1]}")
    return X, Y


def _exact(matrix: ArrayLike, name: str) -> sympy.Matrix:
    """Exact sympy copy of a real matrix (every float is a dyadic rational)."""
    A = as_real_array(matrix, name, ndim=2)
    if max(A.shape) > MAX_EXACT_SIZE:
        raise ValueError(
            f"{name} must have at most {MAX_EXACT_SIZE} rows and columns for exact "
            f"arithmetic, got shape {A.shape}; raise dlhw.deep_linear.MAX_EXACT_SIZE"
        )
    return sympy.Matrix(A.shape[0], A.shape[1], lambda i, j: sympy.Rational(float(A[i, j])))


def _block(rows: int, cols: int, rank: int) -> sympy.Matrix:
    """``rows x cols`` zero matrix with ``I_rank`` in its top-left corner."""
    E = sympy.zeros(rows, cols)
    for k in range(rank):
        E[k, k] = 1
    return E


# ---------------------------------------------------------------------- products


def widths_of(weights: Sequence[ArrayLike]) -> tuple[int, ...]:
    """Return the widths ``(d_0, ..., d_L)`` of a list of weights.

    Parameters
    ----------
    weights
        ``[W_1, ..., W_L]`` with ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    tuple of int
        ``(d_0, d_1, ..., d_L)``.

    Raises
    ------
    ValueError
        If the list is empty or consecutive shapes do not chain.

    Examples
    --------
    >>> widths_of([np.ones((3, 2)), np.ones((1, 3))])
    (2, 3, 1)
    """
    Ws = _weights(weights)
    return (Ws[0].shape[1], *(W.shape[0] for W in Ws))


def product(weights: Sequence[ArrayLike]) -> FloatArray:
    """Return the end-to-end matrix ``W_L ... W_1`` of shape ``(p, d)``.

    Parameters
    ----------
    weights
        ``[W_1, ..., W_L]``.

    Returns
    -------
    numpy.ndarray
        The product ``W_L W_{L-1} ... W_1``.

    Raises
    ------
    ValueError
        If the list is empty or the shapes do not chain.

    Examples
    --------
    >>> product([[[1.0, 2.0]], [[3.0], [4.0]]])
    array([[3., 6.],
           [4., 8.]])
    """
    Ws = _weights(weights)
    result = Ws[0]
    for W in Ws[1:]:
        result = W @ result
    return finite_result(result, "weights", "the product W_L ... W_1")


def partial_products(weights: Sequence[ArrayLike], i: int) -> tuple[FloatArray, FloatArray]:
    """Return the flanking products of layer ``i``: ``W_L...W_{i+1}`` and ``W_{i-1}...W_1``.

    Parameters
    ----------
    weights
        ``[W_1, ..., W_L]``.
    i
        Layer index, ``1 <= i <= L`` (1-based, as in the formulas).

    Returns
    -------
    left : numpy.ndarray
        ``W_L ... W_{i+1}``, shape ``(p, d_i)``; the identity ``I_p`` when ``i = L``.
    right : numpy.ndarray
        ``W_{i-1} ... W_1``, shape ``(d_{i-1}, d)``; the identity ``I_d`` when ``i = 1``.

    Raises
    ------
    ValueError
        If ``i`` is outside ``1..L`` or the weights are invalid.

    Examples
    --------
    >>> Ws = [np.full((2, 2), 1.0), np.eye(2), 2 * np.eye(2)]
    >>> left, right = partial_products(Ws, 2)
    >>> left, right
    (array([[2., 0.],
           [0., 2.]]), array([[1., 1.],
           [1., 1.]]))
    >>> bool(np.allclose(left @ Ws[1] @ right, product(Ws)))
    True
    """
    Ws = _weights(weights)
    L = len(Ws)
    layer = as_int(i, "i", minimum=1)
    if layer > L:
        raise ValueError(f"i must be a layer index in 1..{L}, got {layer}")
    right = np.eye(Ws[0].shape[1])
    for W in Ws[: layer - 1]:
        right = W @ right
    left = np.eye(Ws[layer - 1].shape[0])
    for W in Ws[layer:]:
        left = W @ left
    return left, right


# ----------------------------------------------------------------- losses, gradients


def empirical_risk(weights: Sequence[ArrayLike], X: ArrayLike, Y: ArrayLike) -> float:
    """Return ``R = 1/2 sum_i ||W_L ... W_1 x_i - y_i||^2``, by a layer-by-layer pass.

    The inputs go through the layers one at a time (no end-to-end matrix is formed),
    so this is a computation independent of :func:`product_loss`.

    Parameters
    ----------
    weights
        ``[W_1, ..., W_L]``.
    X
        Inputs ``(n, d)``.
    Y
        Outputs ``(n, p)``.

    Returns
    -------
    float
        The loss ``R``.

    Raises
    ------
    ValueError
        On shapes that do not match the widths.

    Examples
    --------
    >>> empirical_risk([np.eye(2)], [[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 3.0]])
    2.0
    """
    Ws = _weights(weights)
    A, B = _fits(*_data(X, Y), Ws[0].shape[1], Ws[-1].shape[0])
    H = A
    for W in Ws:
        H = H @ W.T  # row k holds layer output for example k
    return float(finite_result(0.5 * np.sum((H - B) ** 2), "weights, X and Y", "the risk"))


def product_loss(Wbar: ArrayLike, X: ArrayLike, Y: ArrayLike) -> float:
    """Return ``Q(W) = 1/2 ||W X^T - Y^T||_F^2``, the loss as a function of the product.

    Parameters
    ----------
    Wbar
        End-to-end matrix ``(p, d)``.
    X
        Inputs ``(n, d)``.
    Y
        Outputs ``(n, p)``.

    Returns
    -------
    float
        ``Q(Wbar)``.

    Raises
    ------
    ValueError
        On shapes that do not match.

    Examples
    --------
    >>> product_loss(np.eye(2), [[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 3.0]])
    2.0
    """
    W = as_real_array(Wbar, "Wbar", ndim=2)
    A, B = _fits(*_data(X, Y), W.shape[1], W.shape[0], "Wbar")
    return float(finite_result(0.5 * np.sum((W @ A.T - B.T) ** 2), "Wbar, X and Y", "the loss"))


def product_loss_gradient(Wbar: ArrayLike, X: ArrayLike, Y: ArrayLike) -> FloatArray:
    """Return ``dQ/dW = (W X^T - Y^T) X = W X^T X - Y^T X``.

    It vanishes exactly at the global minimisers of the convex ``Q`` (the normal
    equations).

    Parameters
    ----------
    Wbar
        End-to-end matrix ``(p, d)``.
    X
        Inputs ``(n, d)``.
    Y
        Outputs ``(n, p)``.

    Returns
    -------
    numpy.ndarray
        The gradient, shape ``(p, d)``.

    Raises
    ------
    ValueError
        On shapes that do not match.

    Examples
    --------
    >>> product_loss_gradient(np.zeros((1, 2)), [[1.0, 0.0], [0.0, 2.0]], [[1.0], [1.0]])
    array([[-1., -2.]])
    """
    W = as_real_array(Wbar, "Wbar", ndim=2)
    A, B = _fits(*_data(X, Y), W.shape[1], W.shape[0], "Wbar")
    return finite_result((W @ A.T - B.T) @ A, "Wbar, X and Y", "the gradient")


def _layer_gradients(
    Ws: list[FloatArray], A: FloatArray, B: FloatArray
) -> tuple[list[FloatArray], float]:
    """All ``dR/dW_i`` from prefix and suffix products, and ``R`` (validated input)."""
    prefix = [np.eye(A.shape[1])]  # prefix[i] = W_i ... W_1
    for W in Ws:
        prefix.append(W @ prefix[-1])
    residual = prefix[-1] @ A.T - B.T  # formed explicitly: accurate when R is tiny
    middle = residual @ A  # W X^T X - Y^T X
    grads: list[FloatArray] = [np.empty(0)] * len(Ws)
    left = np.eye(B.shape[1])  # W_L ... W_{i+1}
    for i in range(len(Ws) - 1, -1, -1):
        grads[i] = left.T @ middle @ prefix[i].T
        left = left @ Ws[i]
    return grads, 0.5 * float(np.sum(residual * residual))


def layer_gradients(weights: Sequence[ArrayLike], X: ArrayLike, Y: ArrayLike) -> list[FloatArray]:
    """Return ``dR/dW_i = W_(L:i+1)^T (W X^T X - Y^T X) W_(i-1:1)^T`` for every layer.

    The prefix products ``W_i ... W_1`` and suffix products ``W_L ... W_{i+1}`` are
    each formed once, so all ``L`` gradients cost ``O(L)`` matrix products.

    Parameters
    ----------
    weights
        ``[W_1, ..., W_L]``.
    X
        Inputs ``(n, d)``.
    Y
        Outputs ``(n, p)``.

    Returns
    -------
    list of numpy.ndarray
        ``[dR/dW_1, ..., dR/dW_L]``, each with the shape of its ``W_i``.

    Raises
    ------
    ValueError
        On shapes that do not match the widths.

    Examples
    --------
    At ``W = 0`` with ``L >= 2`` every gradient vanishes (a critical point):

    >>> Ws = [np.zeros((2, 2)), np.zeros((1, 2))]
    >>> [g.tolist() for g in layer_gradients(Ws, np.eye(2), [[1.0], [2.0]])]
    [[[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0]]]
    """
    Ws = _weights(weights)
    A, B = _fits(*_data(X, Y), Ws[0].shape[1], Ws[-1].shape[0])
    grads = _layer_gradients(Ws, A, B)[0]
    for G in grads:
        finite_result(G, "weights, X and Y", "the layer gradients")
    return grads


def least_squares_product(X: ArrayLike, Y: ArrayLike) -> FloatArray:
    """Return the minimum-norm global minimiser of ``Q``: ``Y^T X (X^T X)^+``.

    Parameters
    ----------
    X
        Inputs ``(n, d)``.
    Y
        Outputs ``(n, p)``.

    Returns
    -------
    numpy.ndarray
        ``(p, d)``; with ``X`` of full column rank it is the unique
        ``Y^T X (X^T X)^{-1}``.

    Examples
    --------
    >>> least_squares_product([[1.0, 0.0], [0.0, 2.0]], [[1.0], [1.0]])
    array([[1. , 0.5]])
    """
    A, B = _data(X, Y)
    return np.asarray(np.linalg.lstsq(A, B, rcond=None)[0].T)


# ------------------------------------------------------------------- capacity (a)


def max_reachable_rank(widths: Sequence[int]) -> int:
    """Return ``min_i d_i``, the largest rank of any product ``W_L ... W_1``.

    ``rank(AB) <= min(rank A, rank B)`` and a ``d_i x d_{i-1}`` matrix has rank at most
    ``min(d_i, d_{i-1})``, so the product has rank at most every width; the bound is
    attained by :func:`factorize`.

    Parameters
    ----------
    widths
        ``(d_0, ..., d_L)``, positive integers.

    Returns
    -------
    int
        ``min(widths)``.

    Examples
    --------
    >>> max_reachable_rank((3, 1, 3))
    1
    """
    return min(_widths(widths))


def rank_normal_form(W0: ArrayLike) -> tuple[sympy.Matrix, sympy.Matrix, sympy.Matrix]:
    """Write ``W0 = P D Q`` exactly, with ``P``, ``Q`` invertible and ``D`` the hint's matrix.

    ``D = [[I_r, 0], [0, 0]]`` is ``p x d`` with ``r = rank W0`` (the ``d_*`` of the
    problem); its bottom-right zero block is ``(p - r) x (d - r)``. ``W0 = C F`` with
    ``C`` the pivot columns of ``W0`` and ``F`` the non-zero rows of its reduced row
    echelon form; ``P`` extends ``C`` and ``Q`` extends ``F`` by standard basis vectors.

    Parameters
    ----------
    W0
        A real matrix ``(p, d)``; integers and floats are used exactly.

    Returns
    -------
    tuple of sympy.Matrix
        ``(P, D, Q)`` with exact rational entries, ``P (p, p)``, ``D (p, d)``,
        ``Q (d, d)``.

    Raises
    ------
    ValueError
        If ``W0`` is not a finite 2-D array or is larger than :data:`MAX_EXACT_SIZE`.

    Examples
    --------
    >>> P, D, Q = rank_normal_form([[1, 2, 3], [2, 4, 6]])
    >>> D
    Matrix([
    [1, 0, 0],
    [0, 0, 0]])
    >>> P * D * Q
    Matrix([
    [1, 2, 3],
    [2, 4, 6]])
    """
    M = _exact(W0, "W0")
    p, d = M.shape
    echelon, pivots = M.rref()
    r = len(pivots)
    P = M[:, list(pivots)]
    for j in range(p):
        if P.shape[1] == p:
            break
        candidate = P.row_join(sympy.eye(p)[:, j])
        if candidate.rank() > P.shape[1]:
            P = candidate
    Q = echelon[:r, :]
    for j in range(d):
        if Q.shape[0] == d:
            break
        candidate = Q.col_join(sympy.eye(d)[j, :])
        if candidate.rank() > Q.shape[0]:
            Q = candidate
    return P, _block(p, d, r), Q


def factorize(W0: ArrayLike, widths: Sequence[int]) -> list[sympy.Matrix]:
    """Build exact weights ``W_1, ..., W_L`` of the given widths with ``W_L ... W_1 = W0``.

    With ``W0 = P D Q`` from :func:`rank_normal_form` and ``E(a, b)`` the ``a x b``
    zero matrix with ``I_r`` in its top-left corner: ``W_1 = E(d_1, d) Q``,
    ``W_i = E(d_i, d_{i-1})`` for ``1 < i < L`` and ``W_L = P E(p, d_{L-1})``. Since
    every ``d_i >= r``, the ``E`` blocks multiply to ``E(p, d) = D``. For ``L = 1`` the
    single weight is ``W0``.

    Parameters
    ----------
    W0
        Target matrix ``(p, d)``; integers and floats are used exactly.
    widths
        ``(d_0, ..., d_L)`` with ``d_0 = d`` and ``d_L = p``.

    Returns
    -------
    list of sympy.Matrix
        ``[W_1, ..., W_L]`` with exact rational entries.

    Raises
    ------
    ValueError
        If ``rank W0 > min(widths)`` (no factorisation exists: the rank of a product is
        at most its smallest width), or the widths do not match ``W0``.

    Examples
    --------
    >>> Ws = factorize([[1, 2], [3, 6]], (2, 1, 1, 2))
    >>> [W.shape for W in Ws]
    [(1, 2), (1, 1), (2, 1)]
    >>> Ws[2] * Ws[1] * Ws[0]
    Matrix([
    [1, 2],
    [3, 6]])
    >>> factorize(np.eye(2), (2, 1, 2))
    Traceback (most recent call last):
    ...
    ValueError: W0 has rank 2 > min(widths) = 1: no factorisation exists ...
    """
    P, D, Q = rank_normal_form(W0)
    p, d = D.shape
    dims = _widths(widths)
    if dims[0] != d or dims[-1] != p:
        raise ValueError(
            f"widths must start with d = {d} and end with p = {p} for W0 of shape {(p, d)}, "
            f"got {dims}"
        )
    r = sum(1 for k in range(min(p, d)) if D[k, k] == 1)
    if r > min(dims):
        raise ValueError(
            f"W0 has rank {r} > min(widths) = {min(dims)}: no factorisation exists (the "
            "rank of a product is at most its smallest width)"
        )
    L = len(dims) - 1
    if L == 1:
        return [P * D * Q]
    Ws = [_block(dims[1], d, r) * Q]
    Ws += [_block(dims[i], dims[i - 1], r) for i in range(2, L)]
    Ws.append(P * _block(p, dims[L - 1], r))
    return Ws


def _count(base: int, exponent: int, what: str) -> int:
    """Return ``base ** exponent``, refused (before it is computed) beyond the limit."""
    if power_exceeds(base, exponent, MAX_ENUMERATION):
        raise ValueError(
            f"{what} would enumerate {base}**{exponent} cases, more than "
            f"{MAX_ENUMERATION:,}; use smaller sizes or raise dlhw.deep_linear.MAX_ENUMERATION"
        )
    return int(base**exponent)


def _values(values: Sequence[int]) -> NDArray[np.int64]:
    if isinstance(values, Sequence) and any(isinstance(v, bool | np.bool_) for v in values):
        raise TypeError("values must be distinct integers, not booleans")
    array = np.asarray(values)
    if array.dtype == bool or array.dtype.kind not in "iu" or array.ndim != 1 or not array.size:
        raise TypeError(f"values must be a non-empty list of integers, got {values!r}")
    if np.unique(array).size != array.size:
        raise ValueError(f"values must be distinct, got {list(array)}")
    return array.astype(np.int64)


def _all_arrays(values: NDArray[np.int64], size: int, start: int, stop: int) -> NDArray[np.int64]:
    """Cases ``start..stop-1`` of all ``len(values) ** size`` vectors, as rows."""
    base = values.size
    codes = np.arange(start, stop, dtype=np.int64)[:, None]
    digits = (codes // base ** np.arange(size - 1, -1, -1, dtype=np.int64)) % base
    return np.asarray(values[digits], dtype=np.int64)


def integer_matrices(p: int, d: int, values: Sequence[int] = (-1, 0, 1)) -> NDArray[np.int64]:
    """Return every ``p x d`` matrix with entries in ``values``, as a stack.

    Parameters
    ----------
    p, d
        Shape, each ``>= 1``.
    values
        Distinct integers allowed as entries.

    Returns
    -------
    numpy.ndarray
        Integer array ``(len(values) ** (p d), p, d)``.

    Raises
    ------
    ValueError
        If there would be more than :data:`MAX_ENUMERATION` matrices.

    Examples
    --------
    >>> M = integer_matrices(2, 2)
    >>> M.shape, int(np.linalg.matrix_rank(M).max())
    ((81, 2, 2), 2)
    """
    rows, cols = as_int(p, "p", minimum=1), as_int(d, "d", minimum=1)
    vals = _values(values)
    count = _count(vals.size, rows * cols, "p, d and values: len(values)**(p*d)")
    return _all_arrays(vals, rows * cols, 0, count).reshape(count, rows, cols)


def width_profiles(d: int, p: int, depth: int, max_width: int) -> list[tuple[int, ...]]:
    """Return every widths tuple ``(d, d_1, ..., d_{L-1}, p)`` with hidden widths ``<= max_width``.

    Parameters
    ----------
    d, p
        Input and output widths, ``>= 1``.
    depth
        Number of layers ``L >= 1``.
    max_width
        Largest hidden width, ``>= 1``.

    Returns
    -------
    list of tuple of int
        ``max_width ** (L - 1)`` tuples, in lexicographic order.

    Examples
    --------
    >>> width_profiles(2, 2, 2, 3)
    [(2, 1, 2), (2, 2, 2), (2, 3, 2)]
    """
    first, last = as_int(d, "d", minimum=1), as_int(p, "p", minimum=1)
    L = as_int(depth, "depth", minimum=1)
    top = as_int(max_width, "max_width", minimum=1)
    _count(top, L - 1, "max_width and depth: max_width**(depth - 1)")
    return [(first, *mid, last) for mid in itertools.product(range(1, top + 1), repeat=L - 1)]


def reachable_ranks(widths: Sequence[int], values: Sequence[int] = (-1, 0, 1)) -> list[int]:
    """Return the ranks of ``W_L ... W_1`` over *all* weights with entries in ``values``.

    A brute-force witness for the rank inequality: the largest rank found never
    exceeds :func:`max_reachable_rank`, and with ``0`` and ``1`` among the values it is
    attained. Products of small integers are exact in float64; ranks are numerical
    (SVD) ranks of these small integer matrices.

    Parameters
    ----------
    widths
        ``(d_0, ..., d_L)``.
    values
        Distinct integers allowed as entries.

    Returns
    -------
    list of int
        The sorted distinct ranks.

    Raises
    ------
    ValueError
        If there would be more than :data:`MAX_ENUMERATION` weight tuples.

    Examples
    --------
    >>> reachable_ranks((2, 1, 2))
    [0, 1]
    """
    dims = _widths(widths)
    vals = _values(values)
    shapes = [(dims[i + 1], dims[i]) for i in range(len(dims) - 1)]
    size = sum(a * b for a, b in shapes)
    total = _count(vals.size, size, "widths and values: len(values)**(number of weights)")
    found: set[int] = set()
    for start in range(0, total, _CHUNK):
        flat = _all_arrays(vals, size, start, min(start + _CHUNK, total)).astype(np.float64)
        offset, prod = 0, None
        for a, b in shapes:
            W = flat[:, offset : offset + a * b].reshape(-1, a, b)
            offset += a * b
            prod = W if prod is None else W @ prod
        assert prod is not None
        found.update(int(k) for k in np.unique(np.linalg.matrix_rank(prod)))
    return sorted(found)


# --------------------------------------------------------------- saddles at W = 0


def zero_weights(widths: Sequence[int]) -> list[FloatArray]:
    """Return the all-zero weights ``[0_{d_1 x d_0}, ..., 0_{d_L x d_{L-1}}]``.

    Examples
    --------
    >>> [W.shape for W in zero_weights((3, 2, 1))]
    [(2, 3), (1, 2)]
    """
    dims = _widths(widths)
    entries = sum(dims[i + 1] * dims[i] for i in range(len(dims) - 1))
    check_size(
        entries,
        MAX_ENTRIES,
        f"widths {dims} need {entries} weights",
        limit_name="dlhw.deep_linear.MAX_ENTRIES",
    )
    return [np.zeros((dims[i + 1], dims[i])) for i in range(len(dims) - 1)]


def risk_hessian(weights: Sequence[ArrayLike], X: ArrayLike, Y: ArrayLike) -> FloatArray:
    """Return the Hessian of ``R`` in all weights, by torch autograd in float64.

    The parameters are flattened as ``W_1.ravel(), W_2.ravel(), ...`` (row-major).

    Parameters
    ----------
    weights
        ``[W_1, ..., W_L]``, the point of evaluation.
    X
        Inputs ``(n, d)``.
    Y
        Outputs ``(n, p)``.

    Returns
    -------
    numpy.ndarray
        The symmetric ``(P, P)`` Hessian with ``P = sum_i d_i d_{i-1}``.

    Raises
    ------
    ValueError
        On mismatched shapes, or more than :data:`MAX_HESSIAN_PARAMETERS` parameters.

    Examples
    --------
    At ``W = 0`` with ``L = 2`` the eigenvalues are ``+-sigma(Y^T X)`` and zeros:

    >>> H = risk_hessian(zero_weights((1, 1, 1)), [[1.0], [1.0]], [[1.5], [0.5]])
    >>> H
    array([[ 0., -2.],
           [-2.,  0.]])
    """
    Ws = _weights(weights)
    A, B = _fits(*_data(X, Y), Ws[0].shape[1], Ws[-1].shape[0])
    shapes = [W.shape for W in Ws]
    sizes = [W.size for W in Ws]
    total = sum(sizes)
    if total > MAX_HESSIAN_PARAMETERS:
        raise ValueError(
            f"weights have {total:,} parameters, more than {MAX_HESSIAN_PARAMETERS:,} for a "
            "dense Hessian; raise dlhw.deep_linear.MAX_HESSIAN_PARAMETERS to go beyond"
        )
    Xt = torch.as_tensor(A, dtype=torch.float64)
    Yt = torch.as_tensor(B, dtype=torch.float64)

    def risk(theta: torch.Tensor) -> torch.Tensor:
        H = Xt
        for part, shape in zip(torch.split(theta, sizes), shapes, strict=True):
            H = H @ part.reshape(shape).T
        return 0.5 * ((H - Yt) ** 2).sum()

    theta = torch.as_tensor(np.concatenate([W.ravel() for W in Ws]), dtype=torch.float64)
    hessian = torch.autograd.functional.hessian(risk, theta)  # type: ignore[no-untyped-call]
    assert isinstance(hessian, torch.Tensor)
    return finite_result(hessian.numpy(), "weights, X and Y", "the Hessian")


def zero_hessian_spectrum(widths: Sequence[int], X: ArrayLike, Y: ArrayLike) -> FloatArray:
    """Return the eigenvalues of the Hessian of ``R`` at ``W = 0``, in closed form, sorted.

    Expanding ``R(tV) = R(0) - t^L <V_L ... V_1, Y^T X> + O(t^{2L})``:

    * ``L = 1``: ``R`` is quadratic with Hessian ``I_p kron X^T X``: the eigenvalues of
      ``X^T X``, each ``p`` times;
    * ``L = 2``: the quadratic form is ``-2 <V_2 V_1, Y^T X>``, one block
      ``[[0, -M^T], [-M, 0]]`` per hidden unit (``M = Y^T X``): eigenvalues
      ``+-sigma_j(M)`` and ``|p - d|`` zeros, each ``d_1`` times. A saddle with a strictly
      negative eigenvalue ``-sigma_1(M)`` whenever ``Y^T X != 0``;
    * ``L >= 3``: every term has degree at least 3, so the Hessian is **zero**: ``W = 0``
      is a degenerate saddle with no negative eigenvalue (compare Kawaguchi 2016),
      although :func:`escape_direction` still decreases ``R``.

    Parameters
    ----------
    widths
        ``(d_0, ..., d_L)``.
    X
        Inputs ``(n, d_0)``.
    Y
        Outputs ``(n, d_L)``.

    Returns
    -------
    numpy.ndarray
        ``P = sum_i d_i d_{i-1}`` eigenvalues in increasing order.

    Examples
    --------
    >>> zero_hessian_spectrum((1, 1, 1), [[1.0], [1.0]], [[1.5], [0.5]])
    array([-2.,  2.])
    >>> zero_hessian_spectrum((1, 1, 1, 1), [[1.0], [1.0]], [[1.5], [0.5]])
    array([0., 0., 0.])
    """
    dims = _widths(widths)
    A, B = _fits(*_data(X, Y), dims[0], dims[-1], "the network given by widths")
    L = len(dims) - 1
    total = sum(dims[i] * dims[i + 1] for i in range(L))
    if L == 1:
        values = np.repeat(np.linalg.eigvalsh(A.T @ A), dims[1])
    elif L == 2:
        sigma = np.linalg.svd(B.T @ A, compute_uv=False)
        block = np.concatenate([sigma, -sigma, np.zeros(abs(dims[0] - dims[2]))])
        values = np.tile(block, dims[1])
    else:
        values = np.zeros(total)
    return np.sort(values)


def escape_direction(widths: Sequence[int], X: ArrayLike, Y: ArrayLike) -> list[FloatArray]:
    """Return a direction ``V`` along which ``R`` decreases from ``W = 0`` (for any ``L``).

    With ``(sigma, u, v)`` the top singular triple of ``M = Y^T X``:
    ``V_1 = e_1 v^T``, ``V_i = e_1 e_1^T`` and ``V_L = u e_1^T``, so that
    ``V_L ... V_1 = u v^T`` and, exactly,
    ``R(tV) = R(0) - sigma t^L + 1/2 ||X v||^2 t^{2L}``. So ``W = 0`` is not a local
    minimum (nor, flipping the sign of ``V_1``, a local maximum) whenever ``M != 0``.

    Parameters
    ----------
    widths
        ``(d_0, ..., d_L)``.
    X
        Inputs ``(n, d_0)``.
    Y
        Outputs ``(n, d_L)``.

    Returns
    -------
    list of numpy.ndarray
        ``[V_1, ..., V_L]``, each of unit Frobenius norm.

    Raises
    ------
    ValueError
        If ``Y^T X = 0`` (then ``W = 0`` is a global minimum and no descent direction
        exists).

    Examples
    --------
    >>> X, Y = [[1.0], [1.0]], [[1.5], [0.5]]
    >>> V = escape_direction((1, 1, 1, 1), X, Y)
    >>> R0 = empirical_risk(zero_weights((1, 1, 1, 1)), X, Y)
    >>> t = 0.5
    >>> empirical_risk([t * W for W in V], X, Y), R0 - 2.0 * t**3 + 0.5 * 2.0 * t**6
    (1.015625, 1.015625)
    """
    dims = _widths(widths)
    A, B = _fits(*_data(X, Y), dims[0], dims[-1], "the network given by widths")
    U, sigma, Vt = np.linalg.svd(B.T @ A)
    if sigma[0] <= 0:
        raise ValueError(
            "Y^T X must be non-zero: with Y^T X = 0, W = 0 is a global minimum of R and "
            "no direction decreases R"
        )
    u, v = U[:, 0], Vt[0]
    L = len(dims) - 1
    if L == 1:
        return [np.outer(u, v)]
    first = np.zeros((dims[1], dims[0]))
    first[0] = v
    last = np.zeros((dims[-1], dims[-2]))
    last[:, 0] = u
    middle = []
    for i in range(2, L):
        E = np.zeros((dims[i], dims[i - 1]))
        E[0, 0] = 1.0
        middle.append(E)
    return [first, *middle, last]


# ------------------------------------------------------- critical points (e), (f)


def _spectrum(A: FloatArray, B: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``M A^{-1}``, and the eigenpairs (descending) of ``M A^{-1} M^T``."""
    gram = A.T @ A
    if np.linalg.matrix_rank(gram) < gram.shape[0]:
        raise ValueError(
            f"X must have full column rank (X^T X invertible), got rank "
            f"{np.linalg.matrix_rank(gram)} < {gram.shape[0]}"
        )
    M = B.T @ A
    regression = np.linalg.solve(gram, M.T).T  # M A^{-1}, the least-squares product
    sigma = regression @ M.T
    values, vectors = np.linalg.eigh(0.5 * (sigma + sigma.T))
    return (
        np.asarray(regression, dtype=np.float64),
        np.asarray(values[::-1], dtype=np.float64),
        np.asarray(vectors[:, ::-1], dtype=np.float64),
    )


def _keep(keep: Sequence[int], p: int) -> list[int]:
    if isinstance(keep, str | bytes) or not isinstance(keep, Sequence | range):
        raise TypeError(f"keep must be a sequence of eigen-indices, got {type(keep).__name__}")
    chosen = [as_int(k, "keep", minimum=0) for k in keep]
    if any(k >= p for k in chosen):
        raise ValueError(f"keep must hold indices in 0..{p - 1}, got {chosen}")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"keep must not repeat an index, got {chosen}")
    return chosen


def critical_point(
    X: ArrayLike, Y: ArrayLike, widths: Sequence[int], keep: Sequence[int]
) -> list[FloatArray]:
    """Return a critical point of ``R`` whose product keeps only some eigen-directions.

    Let ``A = X^T X`` (invertible), ``M = Y^T X``, ``Sigma = M A^{-1} M^T`` with
    eigenvectors ``u_1, u_2, ...`` for eigenvalues ``lambda_1 >= lambda_2 >= ...``,
    and ``U_S`` the columns ``u_j``, ``j in keep``. The weights
    ``W_1 = E U_S^T M A^{-1}``, ``W_i = E`` (``1 < i < L``) and ``W_L = U_S E``, with
    ``E`` zero but for ``I_k`` in the top-left corner (``k = len(keep)``), give
    ``W = U_S U_S^T M A^{-1}``. All ``dR/dW_i`` vanish because
    ``U_S^T (W A - M) = 0`` and ``(W A - M) A^{-1} M^T U_S = 0``, and
    ``R = R_min + 1/2 sum_{j not in keep} lambda_j`` (:func:`critical_value`). Unless
    ``keep`` covers every positive ``lambda_j`` it is **not** a global minimum, and then
    some flanking product of every layer is singular.

    Parameters
    ----------
    X
        Inputs ``(n, d)`` of full column rank.
    Y
        Outputs ``(n, p)``.
    widths
        ``(d, d_1, ..., d_{L-1}, p)`` with ``L >= 2`` and ``len(keep)`` at most every
        hidden width.
    keep
        Distinct indices into the eigenvalues of ``Sigma`` (0 = largest).

    Returns
    -------
    list of numpy.ndarray
        ``[W_1, ..., W_L]``.

    Raises
    ------
    ValueError
        If ``X`` lacks full column rank, ``L < 2``, the widths do not fit the data or
        are too narrow for ``keep``, or ``keep`` holds bad indices.

    Examples
    --------
    >>> X, Y = np.eye(2), np.diag([2.0, 1.0])
    >>> Ws = critical_point(X, Y, (2, 2, 2), keep=[1])
    >>> product(Ws).round(12) + 0.0
    array([[0., 0.],
           [0., 1.]])
    >>> [float(np.abs(g).max()) for g in layer_gradients(Ws, X, Y)]
    [0.0, 0.0]
    >>> empirical_risk(Ws, X, Y), critical_value(X, Y, [1])
    (2.0, 2.0)
    """
    dims = _widths(widths)
    A, B = _fits(*_data(X, Y), dims[0], dims[-1], "the network given by widths")
    L = len(dims) - 1
    if L < 2:
        raise ValueError(
            "widths must describe a network of depth L >= 2: for L = 1 the loss is convex "
            "and every critical point is a global minimum"
        )
    chosen = _keep(keep, dims[-1])
    k = len(chosen)
    if k > min(dims[1:-1]):
        raise ValueError(
            f"keep has {k} directions but the narrowest hidden width is {min(dims[1:-1])}"
        )
    regression, _, vectors = _spectrum(A, B)
    U = vectors[:, chosen]  # (p, k)

    def corner(rows: int, cols: int) -> FloatArray:
        E = np.zeros((rows, cols))
        E[range(k), range(k)] = 1.0
        return E

    first = corner(dims[1], k) @ U.T @ regression
    middle = [corner(dims[i], dims[i - 1]) for i in range(2, L)]
    last = U @ corner(k, dims[L - 1])
    return [first, *middle, last]


def critical_value(X: ArrayLike, Y: ArrayLike, keep: Sequence[int]) -> float:
    """Return ``R`` at :func:`critical_point`: ``R_min + 1/2 sum_{j not in keep} lambda_j``.

    ``R_min`` is the least-squares loss and ``lambda_j`` the eigenvalues of
    ``Y^T X (X^T X)^{-1} X^T Y``. With ``keep = range(k)`` these are the plateaus
    that gradient descent from a small initialisation visits (saddle to saddle).

    Parameters
    ----------
    X
        Inputs ``(n, d)`` of full column rank.
    Y
        Outputs ``(n, p)``.
    keep
        Distinct eigen-indices (0 = largest).

    Returns
    -------
    float
        The loss at the critical point.

    Examples
    --------
    >>> X, Y = np.eye(2), np.diag([2.0, 1.0])
    >>> [critical_value(X, Y, range(k)) for k in range(3)]
    [2.5, 0.5, 0.0]
    """
    A, B = _data(X, Y)
    regression, values, _ = _spectrum(A, B)
    chosen = _keep(keep, B.shape[1])
    floor = 0.5 * float(np.sum((A @ regression.T - B) ** 2))
    dropped = np.delete(values, chosen)
    return float(finite_result(floor + 0.5 * float(dropped.sum()), "X and Y", "the critical value"))


def invertible_flank_layers(weights: Sequence[ArrayLike]) -> list[int]:
    """Return the layers ``i`` (1-based) whose two flanking products are both invertible.

    If ``dR/dW_i = 0`` and both ``W_(L:i+1)`` and ``W_(i-1:1)`` are invertible, then
    ``W X^T X - Y^T X = W_(L:i+1)^{-T} (dR/dW_i) W_(i-1:1)^{-T} = 0``: the critical
    point is a global minimum. A non-empty answer is therefore a certificate of
    global optimality at a critical point. Invertibility is a numerical rank test.

    Parameters
    ----------
    weights
        ``[W_1, ..., W_L]``.

    Returns
    -------
    list of int
        The qualifying layer indices (square flanks of full rank only).

    Examples
    --------
    >>> invertible_flank_layers([np.eye(2), 2 * np.eye(2)])
    [1, 2]
    >>> invertible_flank_layers([np.diag([1.0, 0.0]), np.eye(2), np.eye(2)])
    [1]
    """
    Ws = _weights(weights)
    good = []
    for i in range(1, len(Ws) + 1):
        left, right = partial_products(Ws, i)
        if all(
            F.shape[0] == F.shape[1] and np.linalg.matrix_rank(F) == F.shape[0]
            for F in (left, right)
        ):
            good.append(i)
    return good


# ------------------------------------------------------------------- training


def teacher_data(
    n: int,
    d: int,
    p: int,
    singular_values: ArrayLike,
    *,
    seed: int | np.random.Generator | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Return whitened inputs and noiseless outputs of a linear teacher with given spectrum.

    ``X = sqrt(n) Q`` with ``Q (n, d)`` random orthonormal columns, so ``X^T X = n I``,
    and ``Y = X T^T`` for the teacher ``T = U diag(s) V^T (p, d)`` with random
    orthonormal ``U``, ``V``. Then ``Y^T X = n T``, the least-squares product is ``T``
    and the eigenvalues of ``Y^T X (X^T X)^{-1} X^T Y`` are ``n s_j^2``.

    Parameters
    ----------
    n
        Examples, ``n >= d``.
    d, p
        Input and output dimensions.
    singular_values
        ``s``, at most ``min(p, d)`` non-negative numbers.
    seed
        Seed or generator.

    Returns
    -------
    X, Y : numpy.ndarray
        Shapes ``(n, d)`` and ``(n, p)``.

    Raises
    ------
    ValueError
        If ``n < d``, a singular value is negative, or there are too many of them.

    Examples
    --------
    >>> X, Y = teacher_data(10, 3, 2, [2.0, 1.0], seed=0)
    >>> np.allclose(X.T @ X, 10 * np.eye(3))
    True
    >>> np.linalg.svd(least_squares_product(X, Y), compute_uv=False).round(12)
    array([2., 1.])
    """
    rows, cols, outs = (as_int(v, k, minimum=1) for v, k in ((n, "n"), (d, "d"), (p, "p")))
    check_size(
        rows * (cols + outs) + cols * outs,
        MAX_ENTRIES,
        f"n={rows}, d={cols} and p={outs} need n*(d + p) + d*p entries",
        limit_name="dlhw.deep_linear.MAX_ENTRIES",
    )
    if rows < cols:
        raise ValueError(f"n must be >= d = {cols} to whiten X, got {rows}")
    s = as_real_array(singular_values, "singular_values", ndim=1)
    if np.any(s < 0) or s.size > min(outs, cols):
        raise ValueError(
            f"singular_values must be at most min(p, d) = {min(outs, cols)} non-negative "
            f"numbers, got {s.tolist()}"
        )
    rng = as_generator(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(rows, cols)))
    U, _ = np.linalg.qr(rng.normal(size=(outs, outs)))
    V, _ = np.linalg.qr(rng.normal(size=(cols, cols)))
    teacher = (U[:, : s.size] * s) @ V[:, : s.size].T
    X = np.sqrt(rows) * Q
    return X, X @ teacher.T


@dataclass(frozen=True)
class DeepLinearRun:
    """The record of gradient descent on a deep linear network.

    Attributes
    ----------
    loss
        ``R`` at every iterate, shape ``(steps + 1,)`` (plot it on a log scale).
    weights
        The final ``[W_1, ..., W_L]``.
    product
        The final end-to-end matrix ``W_L ... W_1``.
    least_squares
        The least-squares product ``Y^T X (X^T X)^+``, for comparison.
    steps
        The steps at which :attr:`products` were recorded, shape ``(m,)``.
    products
        The end-to-end matrix at those steps, shape ``(m, p, d)`` (for instance to
        plot its singular values being learned one at a time).
    """

    loss: FloatArray
    weights: list[FloatArray]
    product: FloatArray
    least_squares: FloatArray
    steps: NDArray[np.int64]
    products: FloatArray


def train_deep_linear(
    X: ArrayLike,
    Y: ArrayLike,
    widths: Sequence[int],
    *,
    eta: float,
    steps: int,
    init_scale: float = 1e-3,
    seed: int | np.random.Generator | None = None,
    weights0: Sequence[ArrayLike] | None = None,
    every: int = 0,
) -> DeepLinearRun:
    """Run full-batch gradient descent ``W_i <- W_i - eta dR/dW_i`` on a deep linear network.

    The start is ``init_scale`` times standard normal entries (seeded), or
    ``weights0``. From a small start the loss stays on plateaus near the saddle values
    of :func:`critical_value` before dropping, one direction at a time. Residuals are
    formed explicitly, so losses far below ``||Y||^2`` are accurate.

    Parameters
    ----------
    X
        Inputs ``(n, d)``.
    Y
        Outputs ``(n, p)``.
    widths
        ``(d, d_1, ..., d_{L-1}, p)``.
    eta
        Step size ``> 0``; ``R`` sums over examples, so ``eta`` should scale like
        ``1 / (n s_max)``.
    steps
        Number of steps, ``0 <= steps <=`` :data:`MAX_STEPS`.
    init_scale
        Standard deviation of the initial entries, ``> 0``.
    seed
        Seed or generator of the initialisation.
    weights0
        Explicit starting weights (then ``init_scale`` and ``seed`` are unused).
    every
        Record the end-to-end matrix every ``every`` steps (``0``: only the last).

    Returns
    -------
    DeepLinearRun
        Loss history, final weights and product, and the least-squares product.

    Raises
    ------
    ValueError
        On bad arguments, or if the iterates overflow (``eta`` too large).

    Examples
    --------
    >>> X, Y = teacher_data(20, 3, 2, [2.0, 1.0], seed=0)
    >>> run = train_deep_linear(X, Y, (3, 4, 2), eta=0.01, steps=2000, seed=1)
    >>> run.loss.shape, bool(run.loss[-1] < 1e-12 * run.loss[0])
    ((2001,), True)
    >>> bool(np.allclose(run.product, run.least_squares, atol=1e-6))
    True
    >>> slow = train_deep_linear(X, Y, (3, 4, 2), eta=0.01, steps=100, seed=1, every=50)
    >>> slow.steps.tolist(), slow.products.shape
    ([0, 50, 100], (3, 2, 3))
    """
    dims = _widths(widths)
    A, B = _fits(*_data(X, Y), dims[0], dims[-1], "the network given by widths")
    step = as_positive_float(eta, "eta")
    count = as_int(steps, "steps", minimum=0)
    if count > MAX_STEPS:
        raise ValueError(
            f"steps must be at most {MAX_STEPS:,}, got {count:,}; raise "
            "dlhw.deep_linear.MAX_STEPS to go beyond"
        )
    if weights0 is None:
        scale = as_positive_float(init_scale, "init_scale")
        rng = as_generator(seed)
        Ws = [scale * rng.normal(size=(dims[i + 1], dims[i])) for i in range(len(dims) - 1)]
    else:
        Ws = [W.copy() for W in _weights(weights0, "weights0")]
        if widths_of(Ws) != dims:
            raise ValueError(f"weights0 must have widths {dims}, got {widths_of(Ws)}")
    stride = as_int(every, "every", minimum=0)
    recorded = np.arange(0, count + 1, stride) if stride else np.array([count])
    products = np.empty((recorded.size, dims[-1], dims[0]))
    history = np.empty(count + 1)
    slot = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(count + 1):
            if slot < recorded.size and recorded[slot] == k:
                products[slot] = product(Ws)
                slot += 1
            grads, history[k] = _layer_gradients(Ws, A, B)
            if not np.isfinite(history[k]):
                raise ValueError(
                    f"eta = {eta!r} is too large for this X, Y and init_scale: the loss "
                    f"overflowed at step {k}; try a smaller step (about 1 / (n * largest "
                    "singular value of the teacher)) or rescale the data"
                )
            if k < count:
                Ws = [W - step * g for W, g in zip(Ws, grads, strict=True)]
    return DeepLinearRun(
        loss=history,
        weights=Ws,
        product=product(Ws),
        least_squares=least_squares_product(A, B),
        steps=recorded.astype(np.int64),
        products=products,
    )
