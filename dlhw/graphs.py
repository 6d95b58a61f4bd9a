"""Walks in graphs: exact counts by matrix powers, by brute force, and by a linear GNN.

A *walk* of length ``k`` from ``i`` to ``j`` is a vertex sequence
``(v_0 = i, v_1, ..., v_k = j)`` in which consecutive vertices are adjacent; vertices
may repeat. The number of such walks is ``(A^k)[i, j]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlhw.validation import as_bool, as_choice, as_int, check_size, power_exceeds

# Size limits. Each is read when a function is called: raise one (for instance
# ``dlhw.graphs.MAX_SEQUENCES = 10**8``) to allow bigger computations.

#: Largest number of vertex sequences the brute-force enumerator will scan.
MAX_SEQUENCES = 10**7
#: Longest walk the brute-force enumerator accepts (with two or more vertices,
#: :data:`MAX_SEQUENCES` is reached long before).
MAX_ENUMERATION_LENGTH = 64
#: Longest walk :func:`walks` lists (each walk is materialised as a tuple).
MAX_WALK_LENGTH = 1000
#: Budget of :func:`count_walks` for exact big-integer matrix powers, in 64-bit word
#: multiplications (estimated: n³ per product, Karatsuba cost ``words**1.585`` each).
MAX_EXACT_WORK = 10**8
#: Most layers :func:`linear_gnn` runs (each layer is a Python loop over the nodes).
MAX_GNN_LAYERS = 10**4
#: Largest array :func:`linear_gnn` builds, in 64-bit words (a big count takes several).
MAX_ENTRIES = 2**22
#: Largest vertex count for :func:`all_graphs` (2**15 graphs at n = 6).
MAX_ALL_GRAPHS_N = 6
#: Largest vertex count for ``all_graphs(n, directed=True)`` (2**12 graphs at n = 4).
MAX_ALL_GRAPHS_N_DIRECTED = 4
_INT64_MAX = int(np.iinfo(np.int64).max)


def adjacency_matrix(
    adjacency: ArrayLike, *, directed: bool = False, name: str = "adjacency"
) -> NDArray[np.int64]:
    """Validate an adjacency matrix (or a stack of them) and return it as int64.

    Parameters
    ----------
    adjacency
        Square 0/1 matrix of shape ``(n, n)``, or a stack ``(b, n, n)``.
    directed
        If false, the matrix must be symmetric (an undirected graph).
    name
        The argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        The matrix (or stack) as int64.

    Raises
    ------
    TypeError
        For a non-numeric array, a masked array, a ``directed`` that is not a bool, or a
        ``name`` that is not a string.
    ValueError
        For a wrong shape, no vertex, NaN/inf, entries other than 0 and 1, or an
        asymmetric matrix when ``directed`` is false.

    Examples
    --------
    >>> adjacency_matrix([[0, 1], [1, 0]]).dtype
    dtype('int64')
    >>> adjacency_matrix([[0, 1], [0, 0]])
    Traceback (most recent call last):
    ...
    ValueError: adjacency must be symmetric for an undirected graph (pass directed=True ...
    >>> adjacency_matrix([[0, 1], [0, 0]], directed="no")
    Traceback (most recent call last):
    ...
    TypeError: directed must be True or False, got str 'no'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (the argument name), got {type(name).__name__}")
    undirected = not as_bool(directed, "directed")
    if isinstance(adjacency, str | bytes) or adjacency is None:
        raise TypeError(f"{name} must be a square 0/1 array, got {type(adjacency).__name__}")
    if isinstance(adjacency, np.ma.MaskedArray):
        raise TypeError(f"{name} must be a plain array: masked arrays are not supported")
    try:
        array = np.asarray(adjacency)
    except ValueError as err:
        raise ValueError(f"{name} must be a rectangular array: {err}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    if array.ndim not in (2, 3) or array.shape[-1] != array.shape[-2]:
        raise ValueError(
            f"{name} must be a square matrix (n, n) or a stack (b, n, n), got shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{name} must have at least one vertex, got shape {array.shape}")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must not contain NaN or inf")
    if not np.all((array == 0) | (array == 1)):
        raise ValueError(f"{name} must contain only 0 and 1 entries")
    result = array.astype(np.int64)
    if undirected and not np.array_equal(result, np.swapaxes(result, -1, -2)):
        raise ValueError(
            f"{name} must be symmetric for an undirected graph "
            "(pass directed=True for a directed one)"
        )
    return result


def _largest_degree(adjacency: NDArray[np.int64]) -> int:
    return int(adjacency.sum(axis=-1).max())


def _fits_int64(adjacency: NDArray[np.int64], length: int) -> bool:
    """Whether every entry of ``A^length`` (and of each partial product) fits int64.

    Row sums of ``A^k`` are at most ``Δ^k`` with ``Δ`` the largest out-degree, and
    every entry and partial sum is bounded by its row sum.
    """
    return not power_exceeds(_largest_degree(adjacency), length, _INT64_MAX)


def _exact_dtype(adjacency: NDArray[np.int64], length: int) -> NDArray[np.int64]:
    return adjacency if _fits_int64(adjacency, length) else adjacency.astype(object)


def _about(log_value: float) -> str:
    """``exp(log_value)`` for a message, also when it is beyond float range."""
    return f"{math.exp(log_value):.3g}" if log_value < 700 else f"1e{log_value / math.log(10):.0f}"


def _check_exact_work(adjacency: NDArray[np.int64], length: int) -> None:
    """Refuse an exact big-integer power ``A^length`` that would exceed :data:`MAX_EXACT_WORK`.

    Counts are bounded by ``Δ^length``: ``length · log2 Δ`` bits, or ``words`` 64-bit
    words. Exponentiation by squaring takes ``2 · bit_length(length)`` products of
    ``n³`` multiplications of such numbers, each costing about ``words**1.585``.
    """
    degree = _largest_degree(adjacency)
    if _fits_int64(adjacency, length):
        return
    batch = int(np.prod(adjacency.shape[:-2], dtype=np.int64))
    n = adjacency.shape[-1]
    log_bits = math.log(length) + math.log(math.log2(degree))
    log_words = max(0.0, log_bits - math.log(64))
    log_work = math.log(batch * n**3 * 2 * length.bit_length()) + 1.585 * log_words
    if log_work > math.log(MAX_EXACT_WORK):
        raise ValueError(
            f"length={length} on an adjacency of n = {n} vertices (largest out-degree "
            f"{degree}) makes counts of about {_about(log_bits)} bits; their exact matrix "
            f"power would take about {_about(log_work)} word operations; the limit is "
            f"{MAX_EXACT_WORK} (dlhw.graphs.MAX_EXACT_WORK; raise it to go further)"
        )


def count_walks(adjacency: ArrayLike, length: int, *, directed: bool = False) -> NDArray[np.int64]:
    """Count the walks of ``length`` edges between every pair of vertices: ``A^length``.

    Counts are exact for every length: int64 while the largest possible count fits,
    Python integers (``dtype=object``) beyond that. The big-integer products are
    refused beforehand if they would exceed :data:`MAX_EXACT_WORK`.

    Parameters
    ----------
    adjacency
        Square 0/1 adjacency matrix ``(n, n)`` or a stack ``(b, n, n)``.
    length
        Walk length ``k >= 0`` (number of edges traversed).
    directed
        Allow a non-symmetric adjacency (walks then follow edge directions).

    Returns
    -------
    numpy.ndarray
        ``W`` with ``W[..., i, j]`` the number of walks from ``i`` to ``j``.

    Raises
    ------
    TypeError, ValueError
        For a bad adjacency, length or ``directed``, or a power beyond
        :data:`MAX_EXACT_WORK`.

    Examples
    --------
    >>> triangle = np.ones((3, 3), dtype=int) - np.eye(3, dtype=int)
    >>> count_walks(triangle, 2)
    array([[2, 1, 1],
           [1, 2, 1],
           [1, 1, 2]])
    >>> int(count_walks(np.ones((10, 10), int) - np.eye(10, dtype=int), 30)[0, 0])
    4239115827521620351429443321
    """
    A = adjacency_matrix(adjacency, directed=directed)
    k = as_int(length, "length", minimum=0)
    _check_exact_work(A, k)
    A = _exact_dtype(A, k)
    eye = np.broadcast_to(np.eye(A.shape[-1], dtype=np.int64), A.shape).astype(A.dtype)
    result, power = eye.copy(), A
    while k:  # exponentiation by squaring, exact in the chosen dtype
        if k & 1:
            result = result @ power
        k >>= 1
        if k:
            power = power @ power
    return result


def walk_counts_by_enumeration(
    adjacency: ArrayLike, length: int, *, directed: bool = False
) -> NDArray[np.int64]:
    """Count walks by scanning every vertex sequence of ``length + 1`` vertices.

    This uses no matrix products: a sequence ``(v_0, ..., v_k)`` is a walk if every
    consecutive pair is an edge, and it is counted for the pair ``(v_0, v_k)``. It
    is exponential in ``length`` and exists to check :func:`count_walks`
    independently. Stacks of graphs are processed at once.

    Parameters
    ----------
    adjacency
        Square 0/1 adjacency matrix ``(n, n)`` or a stack ``(b, n, n)``.
    length
        Walk length ``0 <= k <=`` :data:`MAX_ENUMERATION_LENGTH`; ``n ** (k + 1)`` must
        not exceed :data:`MAX_SEQUENCES`.
    directed
        Allow a non-symmetric adjacency.

    Returns
    -------
    numpy.ndarray
        int64 counts with the shape of ``adjacency``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or more sequences than the limits allow.

    Examples
    --------
    >>> path = [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> walk_counts_by_enumeration(path, 2)
    array([[1, 0, 1],
           [0, 2, 0],
           [1, 0, 1]])
    """
    A = adjacency_matrix(adjacency, directed=directed)
    k = as_int(
        length,
        "length",
        minimum=0,
        maximum=MAX_ENUMERATION_LENGTH,
        limit_name="dlhw.graphs.MAX_ENUMERATION_LENGTH",
    )
    single = A.ndim == 2
    stack = A[None] if single else A
    batch, n = stack.shape[0], stack.shape[-1]
    sequences = n ** (k + 1)  # k is small here, so this power is cheap
    check_size(
        sequences,
        MAX_SEQUENCES,
        f"length={k} on an adjacency of n = {n} vertices needs n**(length+1) = "
        f"{sequences} vertex sequences",
        limit_name="dlhw.graphs.MAX_SEQUENCES",
    )
    # edge[u * n + v, g]: is (u, v) an edge of graph g? One contiguous row per vertex pair.
    edge = np.ascontiguousarray(stack.reshape(batch, n * n).T.astype(bool))
    counts = np.zeros((n * n, batch), dtype=np.int64)  # row i * n + j: walks from i to j
    chunk = max(1, 2**24 // batch)
    place = n ** np.arange(k, -1, -1, dtype=np.int64)  # base-n digits, most significant first
    for first in range(0, sequences, chunk):
        codes = np.arange(first, min(first + chunk, sequences), dtype=np.int64)
        seq = (codes[:, None] // place) % n  # (m, k + 1): sequence number `code`
        is_walk = np.ones((len(codes), batch), dtype=bool)
        for t in range(k):
            is_walk &= edge[seq[:, t] * n + seq[:, t + 1]]
        ends = seq[:, 0] * n + seq[:, -1]
        for pair in np.unique(ends):
            counts[pair] += is_walk[ends == pair].sum(axis=0)
    counts = counts.T.reshape(batch, n, n)
    return counts[0] if single else counts


def walks(
    adjacency: ArrayLike, start: int, end: int, length: int, *, directed: bool = False
) -> Iterator[tuple[int, ...]]:
    """Return an iterator over every walk of ``length`` edges from ``start`` to ``end``.

    The walks come in depth-first order (neighbours in increasing order). The
    arguments are checked at the call, not at the first ``next``. A branch is
    entered only if ``end`` can still be reached in the steps left, so every step of
    the search leads to a walk: listing the first few walks is fast even when there
    are astronomically many, or none.

    Parameters
    ----------
    adjacency
        Square 0/1 adjacency matrix ``(n, n)``.
    start, end
        Vertices in ``0..n-1``.
    length
        Walk length ``0 <= k <=`` :data:`MAX_WALK_LENGTH`.
    directed
        Allow a non-symmetric adjacency.

    Returns
    -------
    Iterator[tuple[int, ...]]
        Walks as tuples of ``length + 1`` vertices.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> square = [[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]]
    >>> list(walks(square, 0, 2, 2))
    [(0, 1, 2), (0, 3, 2)]
    >>> next(walks(square, 0, 1, 998), "none: the square is bipartite")
    'none: the square is bipartite'
    """
    A = adjacency_matrix(adjacency, directed=directed)
    if A.ndim != 2:
        raise ValueError(f"adjacency must be a single (n, n) matrix, got shape {A.shape}")
    n = A.shape[0]
    k = as_int(
        length,
        "length",
        minimum=0,
        maximum=MAX_WALK_LENGTH,
        limit_name="dlhw.graphs.MAX_WALK_LENGTH",
    )
    i = as_int(start, "start", minimum=0)
    j = as_int(end, "end", minimum=0)
    for name, v in (("start", i), ("end", j)):
        if v >= n:
            raise ValueError(f"{name} must be a vertex in 0..{n - 1}, got {v}")
    # reaches[r][v]: some walk of exactly r edges leads from v to the end vertex.
    edges = A.astype(bool)
    reach = np.zeros((k + 1, n), dtype=bool)
    reach[0, j] = True
    for r in range(1, k + 1):
        reach[r] = edges @ reach[r - 1]
    neighbours = [np.flatnonzero(row).tolist() for row in A]
    return _walks_to_end(neighbours, reach.tolist(), i, k)


def _walks_to_end(
    neighbours: list[list[int]], reaches: list[list[bool]], start: int, k: int
) -> Iterator[tuple[int, ...]]:
    """Depth-first search with an explicit stack (no recursion limit), pruned by ``reaches``."""
    if not reaches[k][start]:
        return
    path = [start]
    options = [iter(neighbours[start])]
    while path:
        left = k - len(path) + 1  # edges still to take from path[-1]
        if left == 0:
            yield tuple(path)
            path.pop()
            options.pop()
            continue
        step = next((v for v in options[-1] if reaches[left - 1][v]), None)
        if step is None:
            path.pop()
            options.pop()
        else:
            path.append(step)
            options.append(iter(neighbours[step]))


def all_graphs(n: int, *, directed: bool = False) -> NDArray[np.int64]:
    """Every labelled simple graph on ``n`` vertices (no loops), as one stack.

    Parameters
    ----------
    n
        Number of vertices, ``1 <= n <= 6`` (undirected) or ``1 <= n <= 4`` (directed),
        so that the stack holds at most ``2 ** 15`` graphs.
    directed
        If false, the graphs are undirected: one bit per unordered pair, in the order
        of ``numpy.triu_indices(n, 1)``, and every matrix is symmetric. If true, one
        bit per ordered pair ``(i, j)`` with ``i != j`` (row-major order), so there
        are ``2 ** (n (n - 1))`` directed graphs.

    Returns
    -------
    numpy.ndarray
        int64 stack of shape ``(2 ** m, n, n)`` with ``m`` the number of possible
        edges; graph ``g`` contains edge number ``e`` when bit ``e`` of ``g`` is set.

    Raises
    ------
    TypeError, ValueError
        For an ``n`` that is not an integer in range, or a ``directed`` that is not a bool.

    Examples
    --------
    >>> all_graphs(3).shape
    (8, 3, 3)
    >>> int(all_graphs(5).sum() // 2)  # each of 10 edges is in half of 1024 graphs
    5120
    >>> all_graphs(3, directed=True).shape
    (64, 3, 3)
    """
    n = as_int(n, "n", minimum=1)
    directed = as_bool(directed, "directed")
    largest = MAX_ALL_GRAPHS_N_DIRECTED if directed else MAX_ALL_GRAPHS_N
    if n > largest:
        edges = n * (n - 1) if directed else n * (n - 1) // 2
        raise ValueError(
            f"n must be at most {largest} for {'directed' if directed else 'undirected'} "
            f"graphs (2**{edges} graphs would not fit), got {n}"
        )
    if directed:
        rows, cols = np.nonzero(~np.eye(n, dtype=bool))
    else:
        rows, cols = np.triu_indices(n, 1)
    codes = np.arange(2 ** len(rows))
    bits = (codes[:, None] >> np.arange(len(rows))) & 1
    graphs = np.zeros((len(codes), n, n), dtype=np.int64)
    graphs[:, rows, cols] = bits
    if not directed:
        graphs[:, cols, rows] = bits
    return graphs


def linear_gnn(
    adjacency: ArrayLike,
    layers: int,
    *,
    aggregate: Literal["sum", "max"] = "sum",
    directed: bool = False,
) -> NDArray[np.int64]:
    """Run the walk-counting linear GNN layer by layer and return every layer.

    Layer 0 gives node ``i`` the one-hot vector ``e_i``. The weight from node ``i``
    of one layer to node ``j`` of the next is ``A[i, j]``, and each node combines the
    vectors arriving on its non-zero weights channel by channel: their sum
    (``aggregate="sum"``) or their elementwise maximum (``"max"``). A node with no
    incoming edge has nothing to take the maximum of; it outputs the zero vector,
    the identity element of ``max`` on non-negative values.

    Parameters
    ----------
    adjacency
        Square 0/1 adjacency matrix ``(n, n)``.
    layers
        Number of layers ``0 <= K <=`` :data:`MAX_GNN_LAYERS` to run; the result,
        ``(K + 1) n²`` counts, must fit in :data:`MAX_ENTRIES` 64-bit words.
    aggregate
        ``"sum"`` or ``"max"``.
    directed
        Allow a non-symmetric adjacency.

    Returns
    -------
    numpy.ndarray
        ``H`` of shape ``(K + 1, n, n)``; ``H[k, j]`` is the output of node ``j`` at
        layer ``k`` (row ``j``), exact integers. With sum aggregation
        ``H[k] = (A.T)^k``: channel ``i`` of node ``j``, ``H[k, j, i]``, counts the
        walks of length ``k`` from ``i`` to ``j`` (along the edge directions if
        ``directed``).

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a result larger than :data:`MAX_ENTRIES`.

    Examples
    --------
    >>> path = [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> linear_gnn(path, 2)[2]
    array([[1, 0, 1],
           [0, 2, 0],
           [1, 0, 1]])
    >>> linear_gnn(path, 2, aggregate="max")[2]
    array([[1, 0, 1],
           [0, 1, 0],
           [1, 0, 1]])
    """
    A = adjacency_matrix(adjacency, directed=directed)
    if A.ndim != 2:
        raise ValueError(f"adjacency must be a single (n, n) matrix, got shape {A.shape}")
    K = as_int(
        layers, "layers", minimum=0, maximum=MAX_GNN_LAYERS, limit_name="dlhw.graphs.MAX_GNN_LAYERS"
    )
    as_choice(aggregate, "aggregate", ("sum", "max"))
    n = A.shape[0]
    words = 1  # 64-bit words per count; sums beyond int64 are Python integers
    if aggregate == "sum" and not _fits_int64(A, K):
        words = 1 + math.ceil(K * math.log2(_largest_degree(A)) / 64)
    check_size(
        (K + 1) * n * n * words,
        MAX_ENTRIES,
        f"layers={K} on an adjacency of n = {n} vertices needs (layers + 1) n² counts "
        f"of {words} word(s), {(K + 1) * n * n * words} words",
        limit_name="dlhw.graphs.MAX_ENTRIES",
    )
    A = _exact_dtype(A, K) if aggregate == "sum" else A
    H = [np.eye(n, dtype=np.int64).astype(A.dtype)]
    incoming = [np.flatnonzero(A[:, j]) for j in range(n)]  # i with weight A[i, j] = 1
    for _ in range(K):
        previous = H[-1]
        nxt = np.zeros_like(previous)
        for j, sources in enumerate(incoming):
            if sources.size:
                rows = previous[sources]
                nxt[j] = rows.sum(axis=0) if aggregate == "sum" else rows.max(axis=0)
        H.append(nxt)
    return np.stack(H)


def reachable_within(
    adjacency: ArrayLike, length: int, *, directed: bool = False
) -> NDArray[np.int64]:
    """Return ``1[(A^length)[i, j] > 0]``, whether a walk of exactly ``length`` exists.

    Computed by boolean matrix powers (exponentiation by squaring), so any length is
    cheap: ``2 · bit_length(length)`` products of 0/1 matrices.

    Parameters
    ----------
    adjacency
        Square 0/1 adjacency matrix ``(n, n)`` or a stack ``(b, n, n)``.
    length
        Walk length ``k >= 0``.
    directed
        Allow a non-symmetric adjacency.

    Returns
    -------
    numpy.ndarray
        int64 0/1 array with the shape of ``adjacency``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> reachable_within([[0, 1], [1, 0]], 3)
    array([[0, 1],
           [1, 0]])
    >>> reachable_within([[0, 1], [1, 0]], 10**100)  # even length: back home
    array([[1, 0],
           [0, 1]])
    """
    A = adjacency_matrix(adjacency, directed=directed)
    k = as_int(length, "length", minimum=0)
    # 0/1 products in float64 are exact: each entry is a count of at most n terms.
    edges = A.astype(np.float64)
    result = np.broadcast_to(np.eye(A.shape[-1]), A.shape).copy()
    while k:
        if k & 1:
            result = ((result @ edges) > 0).astype(np.float64)
        k >>= 1
        if k:
            edges = ((edges @ edges) > 0).astype(np.float64)
    return result.astype(np.int64)
