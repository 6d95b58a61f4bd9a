"""Walks in graphs: exact counts by matrix powers, by brute force, and by a linear GNN.

A *walk* of length ``k`` from ``i`` to ``j`` is a vertex sequence
``(v_0 = i, v_1, ..., v_k = j)`` in which consecutive vertices are adjacent; vertices
may repeat. The number of such walks is ``(A^k)[i, j]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlhw.validation import as_int

#: Largest number of vertex sequences the brute-force enumerator will scan.
MAX_SEQUENCES = 10**7
#: Largest vertex count for :func:`all_graphs` (2**15 graphs at n = 6).
MAX_ALL_GRAPHS_N = 6
#: Largest vertex count for ``all_graphs(n, directed=True)`` (2**12 graphs at n = 4).
MAX_ALL_GRAPHS_N_DIRECTED = 4
_INT64_MAX = np.iinfo(np.int64).max


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

    Examples
    --------
    >>> adjacency_matrix([[0, 1], [1, 0]]).dtype
    dtype('int64')
    >>> adjacency_matrix([[0, 1], [0, 0]])
    Traceback (most recent call last):
    ...
    ValueError: adjacency must be symmetric for an undirected graph (pass directed=True ...
    """
    if isinstance(adjacency, str | bytes) or adjacency is None:
        raise TypeError(f"{name} must be a square 0/1 array, got {type(adjacency).__name__}")
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
    if not directed and not np.array_equal(result, np.swapaxes(result, -1, -2)):
        raise ValueError(
            f"{name} must be symmetric for an undirected graph "
            "(pass directed=True for a directed one)"
        )
    return result


def _fits_int64(adjacency: NDArray[np.int64], length: int) -> bool:
    """Whether every entry of ``A^length`` (and of each partial product) fits int64.

    Row sums of ``A^k`` are at most ``Δ^k`` with ``Δ`` the largest out-degree, and
    every entry and partial sum is bounded by its row sum.
    """
    degree = int(adjacency.sum(axis=-1).max())
    return bool(degree**length <= _INT64_MAX)


def _exact_dtype(adjacency: NDArray[np.int64], length: int) -> NDArray[np.int64]:
    return adjacency if _fits_int64(adjacency, length) else adjacency.astype(object)


def count_walks(adjacency: ArrayLike, length: int, *, directed: bool = False) -> NDArray[np.int64]:
    """Count the walks of ``length`` edges between every pair of vertices: ``A^length``.

    Counts are exact for every length: int64 while the largest possible count fits,
    Python integers (``dtype=object``) beyond that.

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
        Walk length ``k >= 0``; ``n ** (k + 1)`` must not exceed :data:`MAX_SEQUENCES`.
    directed
        Allow a non-symmetric adjacency.

    Returns
    -------
    numpy.ndarray
        int64 counts with the shape of ``adjacency``.

    Examples
    --------
    >>> path = [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> walk_counts_by_enumeration(path, 2)
    array([[1, 0, 1],
           [0, 2, 0],
           [1, 0, 1]])
    """
    A = adjacency_matrix(adjacency, directed=directed)
    k = as_int(length, "length", minimum=0)
    single = A.ndim == 2
    stack = A[None] if single else A
    batch, n = stack.shape[0], stack.shape[-1]
    sequences = n ** (k + 1)
    if sequences > MAX_SEQUENCES:
        raise ValueError(
            f"length={k} needs n**(length+1) = {sequences} vertex sequences; the "
            f"enumerator scans at most {MAX_SEQUENCES}"
        )
    # edge[u * n + v, g]: is (u, v) an edge of graph g? One contiguous row per vertex pair.
    edge = np.ascontiguousarray(stack.reshape(batch, n * n).T.astype(bool))
    counts = np.zeros((n * n, batch), dtype=np.int64)  # row i * n + j: walks from i to j
    chunk = max(1, 2**24 // batch)
    for first in range(0, sequences, chunk):
        codes = np.arange(first, min(first + chunk, sequences))
        seq = np.stack(np.unravel_index(codes, (n,) * (k + 1)), axis=1)  # (m, k + 1)
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
    """Yield every walk of ``length`` edges from ``start`` to ``end`` (depth-first).

    Examples
    --------
    >>> square = [[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]]
    >>> list(walks(square, 0, 2, 2))
    [(0, 1, 2), (0, 3, 2)]
    """
    A = adjacency_matrix(adjacency, directed=directed)
    if A.ndim != 2:
        raise ValueError(f"adjacency must be a single (n, n) matrix, got shape {A.shape}")
    n = A.shape[0]
    k = as_int(length, "length", minimum=0)
    i = as_int(start, "start", minimum=0)
    j = as_int(end, "end", minimum=0)
    for name, v in (("start", i), ("end", j)):
        if v >= n:
            raise ValueError(f"{name} must be a vertex in 0..{n - 1}, got {v}")
    neighbours = [np.flatnonzero(row).tolist() for row in A]

    def extend(prefix: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
        if len(prefix) == k + 1:
            if prefix[-1] == j:
                yield prefix
            return
        for v in neighbours[prefix[-1]]:
            yield from extend((*prefix, v))

    yield from extend((i,))


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
        Number of layers ``K >= 0`` to run.
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
    K = as_int(layers, "layers", minimum=0)
    if aggregate not in ("sum", "max"):
        raise ValueError(f"aggregate must be 'sum' or 'max', got {aggregate!r}")
    A = _exact_dtype(A, K) if aggregate == "sum" else A
    n = A.shape[0]
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

    Examples
    --------
    >>> reachable_within([[0, 1], [1, 0]], 3)
    array([[0, 1],
           [1, 0]])
    """
    return (count_walks(adjacency, length, directed=directed) > 0).astype(np.int64)
