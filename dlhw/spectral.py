r"""Clustering as a graph problem: RBF affinities, normalised adjacency, spectral embeddings.

The points ``x_1, ..., x_n`` of a data set become the vertices of a weighted graph with
affinities ``A_ij = exp(-gamma ||x_i - x_j||^2)``. With the degree matrix ``D``
(``D_jj`` the ``j``-th column sum of ``A``) the symmetric normalisation is
``M = D^{-1/2} A D^{-1/2}``; dividing each column of a matrix by its sum makes it
column-stochastic (a Markov transition matrix acting on column vectors). The top-``k``
left singular vectors of such a matrix embed each point in ``R^k``, and k-means on the
embedding clusters the points. :func:`cluster` runs the four pipelines of the chapter:

* ``"raw"`` -- k-means on the coordinates;
* ``"svd"`` -- k-means on the top singular vectors of ``M``;
* ``"stochastic"`` -- the same for the column-stochastic version of ``M``;
* ``"njw"`` -- the rows of the ``"svd"`` embedding rescaled to unit length first
  (the Ng--Jordan--Weiss algorithm).

:func:`three_clusters` generates the data: two interleaved half-moons above a wide arc.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csgraph
from scipy.spatial import distance
from sklearn.cluster import KMeans, SpectralClustering
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import normalize

from dlhw.validation import as_generator, as_int, as_positive_float, as_real_array

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Method = Literal["raw", "svd", "stochastic", "njw"]
#: The pipelines of :func:`cluster`, in the order of the chapter.
METHODS: tuple[Method, ...] = get_args(Method)
#: Largest number of points of an affinity matrix (its ``n^2`` floats must fit in memory).
MAX_POINTS = 5000
#: Largest ``random_state`` scikit-learn accepts.
MAX_SEED = 2**32 - 1
#: Largest number of k-means initialisations.
MAX_KMEANS_RUNS = 1000
#: The RBF width of the chapter.
GAMMA = 7.5
_TINY_NORM = 10 * np.finfo(np.float64).eps


# --------------------------------------------------------------------------- input


def _points(X: ArrayLike, name: str = "X") -> FloatArray:
    points = as_real_array(X, name, ndim=2)
    if len(points) > MAX_POINTS:
        raise ValueError(
            f"{name} has {len(points)} points; affinity matrices are dense, so at most "
            f"{MAX_POINTS} are allowed (subsample the data to go beyond)"
        )
    return points


def _nonnegative_square(A: ArrayLike, name: str, *, stack: bool = False) -> FloatArray:
    matrix = as_real_array(A, name, ndim=None if stack else 2)
    if matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2]:
        expected = "(n, n) or a stack (..., n, n)" if stack else "(n, n)"
        raise ValueError(f"{name} must be a square matrix {expected}, got shape {matrix.shape}")
    if np.any(matrix < 0):
        raise ValueError(f"{name} must have non-negative entries (affinities)")
    return matrix


def _positive_sums(sums: FloatArray, name: str) -> None:
    empty = np.argwhere(sums <= 0)
    if empty.size:
        *matrix, column = (int(i) for i in empty[0])
        where = f"column {column}" + (f" of matrix {tuple(matrix)}" if matrix else "")
        raise ValueError(
            f"{name} has {len(empty)} column(s) summing to 0 (first: {where}); "
            "the normalisation divides by every column sum"
        )


def _choice(value: object, name: str, options: Sequence[str]) -> str:
    """Check that ``value`` is one of the option strings."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {repr(value)[:60]}")
    return value


def _seed(seed: object) -> int:
    """Check a ``random_state`` for scikit-learn: an integer in ``[0, 2**32 - 1]``."""
    value = as_int(seed, "seed", minimum=0)
    if value > MAX_SEED:
        raise ValueError(f"seed must be at most 2**32 - 1 (scikit-learn's range), got {value}")
    return value


def _connected(A: FloatArray, gamma: float) -> None:
    """Refuse a gamma at which affinities underflow to 0 and split the graph."""
    components, _ = csgraph.connected_components(A > 0, directed=False)
    if components > 1:
        raise ValueError(
            f"gamma = {gamma:g} splits the affinity graph of X into {components} components "
            "(affinities underflow to 0); use a smaller gamma or rescale X"
        )


def _clusters(k: object, n: int) -> int:
    count = as_int(k, "k", minimum=1)
    if count > n:
        raise ValueError(f"k must be at most the number of points ({n}), got {count}")
    return count


# ------------------------------------------------------------------- the graph


def rbf_affinity(X: ArrayLike, gamma: float = GAMMA) -> FloatArray:
    """Return the RBF (Gaussian) affinity matrix ``A_ij = exp(-gamma ||x_i - x_j||^2)``.

    Parameters
    ----------
    X
        Points, shape ``(n, p)``, at most :data:`MAX_POINTS` of them.
    gamma
        Inverse squared length scale, ``> 0``.

    Returns
    -------
    numpy.ndarray
        ``A``, shape ``(n, n)``: symmetric, entries in ``(0, 1]``, ones on the diagonal.
        The graph it defines is undirected.

    Raises
    ------
    ValueError
        If ``X`` is not a finite non-empty 2-D array or ``gamma`` is not positive.

    Examples
    --------
    >>> rbf_affinity([[0.0, 0.0], [1.0, 0.0]], gamma=np.log(2.0))
    array([[1. , 0.5],
           [0.5, 1. ]])
    """
    points = _points(X)
    g = as_positive_float(gamma, "gamma")
    squared = distance.squareform(distance.pdist(points, "sqeuclidean"))
    affinity: FloatArray = np.exp(-g * squared)
    return affinity


def degree_matrix(A: ArrayLike) -> FloatArray:
    """Return the diagonal degree matrix ``D``, with ``D_jj`` the ``j``-th column sum of ``A``.

    Parameters
    ----------
    A
        Square affinity matrix with non-negative entries.

    Returns
    -------
    numpy.ndarray
        ``D``, shape ``(n, n)``, zero off the diagonal.

    Raises
    ------
    ValueError
        If ``A`` is not square, finite and non-negative.

    Examples
    --------
    >>> degree_matrix([[1.0, 0.5], [0.5, 1.0]])
    array([[1.5, 0. ],
           [0. , 1.5]])
    """
    return np.diag(_nonnegative_square(A, "A").sum(axis=0))


def symmetric_normalisation(A: ArrayLike) -> FloatArray:
    """Return ``D^{-1/2} A D^{-1/2}`` (``D`` from column sums): the "SymNorm" of ``A``.

    For a symmetric non-negative ``A`` the result is symmetric with eigenvalues in
    ``[-1, 1]``, and ``D^{1/2} 1`` is an eigenvector for the eigenvalue 1.

    Parameters
    ----------
    A
        Square non-negative matrix ``(n, n)`` whose columns all have a positive sum (a
        weighted adjacency without isolated vertices; a GCN uses ``A + I``), or a stack
        ``(..., n, n)`` of such matrices, normalised one by one.

    Returns
    -------
    numpy.ndarray
        ``M`` with ``M_ij = A_ij / sqrt(D_ii D_jj)``, the shape of ``A``.

    Raises
    ------
    ValueError
        If ``A`` is not square, finite and non-negative, or a column sums to 0.

    Examples
    --------
    >>> symmetric_normalisation([[1, 1], [1, 1]])
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    matrix = _nonnegative_square(A, "A", stack=True)
    degrees = matrix.sum(axis=-2)
    _positive_sums(degrees, "A")
    scale = 1.0 / np.sqrt(degrees)
    normalised: FloatArray = scale[..., :, None] * matrix * scale[..., None, :]
    return normalised


def column_stochastic(M: ArrayLike) -> FloatArray:
    """Divide each column of ``M`` by its sum, so that every column sums to 1.

    Parameters
    ----------
    M
        Square non-negative matrix with positive column sums.

    Returns
    -------
    numpy.ndarray
        ``M_stoch``: column ``j`` holds the transition probabilities out of vertex ``j``.

    Raises
    ------
    ValueError
        If ``M`` is not square, finite and non-negative, or a column sums to 0.

    Examples
    --------
    >>> column_stochastic([[1.0, 1.0], [3.0, 1.0]])
    array([[0.25, 0.5 ],
           [0.75, 0.5 ]])
    """
    matrix = _nonnegative_square(M, "M")
    sums = matrix.sum(axis=0)
    _positive_sums(sums, "M")
    stochastic: FloatArray = matrix / sums[None, :]
    return stochastic


# ------------------------------------------------------------------ embeddings


def top_singular_vectors(M: ArrayLike, k: int = 3) -> FloatArray:
    """Return the ``k`` left singular vectors of ``M`` with the largest singular values.

    For a symmetric positive semi-definite ``M`` (such as the symmetric normalisation
    of an RBF affinity) these are its top eigenvectors; for a non-symmetric matrix
    (a column-stochastic one) singular and eigenvectors differ.

    Parameters
    ----------
    M
        Square matrix, shape ``(n, n)``.
    k
        Number of columns to keep, ``1 <= k <= n``.

    Returns
    -------
    numpy.ndarray
        ``U_k``, shape ``(n, k)``, orthonormal columns (``U_k^T U_k = I``), ordered by
        decreasing singular value. Row ``i`` embeds point ``i``.

    Raises
    ------
    ValueError
        If ``M`` is not a finite square matrix or ``k`` is out of range.

    Examples
    --------
    >>> U = top_singular_vectors(np.diag([1.0, 3.0, 2.0]), 2)
    >>> np.abs(U)
    array([[0., 0.],
           [1., 0.],
           [0., 1.]])
    """
    matrix = as_real_array(M, "M", ndim=2)
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"M must be a square matrix, got shape {matrix.shape}")
    count = _clusters(k, matrix.shape[0])
    U, _, _ = np.linalg.svd(matrix)
    return U[:, :count]


def row_normalise(U: ArrayLike) -> FloatArray:
    """Rescale every row of ``U`` to unit Euclidean length (``sklearn.preprocessing.normalize``).

    The columns of a singular-vector matrix are already orthonormal; it is the rows --
    one embedding vector per point -- that this step normalises, which projects the
    points onto the unit sphere.

    Parameters
    ----------
    U
        Embedding, shape ``(n, k)``, with no (numerically) zero row.

    Returns
    -------
    numpy.ndarray
        The rescaled embedding; every row has norm 1.

    Raises
    ------
    ValueError
        If ``U`` is not a finite 2-D array or has a row of norm below ``10 eps`` (its
        direction is undefined, and scikit-learn would silently leave it as it is).

    Examples
    --------
    >>> row_normalise([[3.0, 4.0], [0.0, 2.0]])
    array([[0.6, 0.8],
           [0. , 1. ]])
    """
    embedding = as_real_array(U, "U", ndim=2)
    # scikit-learn leaves rows with a norm below 10 eps unchanged; refuse them instead.
    tiny = np.flatnonzero(np.linalg.norm(embedding, axis=1) < _TINY_NORM)
    if tiny.size:
        raise ValueError(
            f"U has a row of norm below {_TINY_NORM:.1e} (row {tiny[0]}), whose direction "
            "cannot be normalised"
        )
    result: FloatArray = normalize(embedding)
    return result


def kmeans_labels(Y: ArrayLike, k: int = 3, *, seed: int = 0, n_init: int = 10) -> IntArray:
    """Cluster the rows of ``Y`` with ``sklearn.cluster.KMeans`` and return the labels.

    Parameters
    ----------
    Y
        Points or embeddings, shape ``(n, p)``, with at least ``k`` distinct rows.
    k
        Number of clusters, ``1 <= k <= n``.
    seed
        ``random_state`` of k-means (its k-means++ initialisations).
    n_init
        Number of initialisations, at most :data:`MAX_KMEANS_RUNS`; the best (lowest
        inertia) is kept.

    Returns
    -------
    numpy.ndarray
        One label in ``0..k-1`` per row.

    Raises
    ------
    ValueError
        If ``Y`` is not a finite 2-D array, ``k`` is out of range, or ``Y`` has fewer
        than ``k`` distinct rows.

    Examples
    --------
    >>> labels = kmeans_labels([[0.0], [0.1], [5.0], [5.1]], k=2)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    points = as_real_array(Y, "Y", ndim=2)
    count = _clusters(k, len(points))
    random_state = _seed(seed)
    runs = as_int(n_init, "n_init", minimum=1)
    if runs > MAX_KMEANS_RUNS:
        raise ValueError(f"n_init must be at most {MAX_KMEANS_RUNS}, got {runs}")
    distinct = len(np.unique(points, axis=0))
    if distinct < count:
        raise ValueError(f"Y has {distinct} distinct rows, fewer than k = {count} clusters")
    model = KMeans(n_clusters=count, random_state=random_state, n_init=runs)
    labels: IntArray = np.asarray(model.fit_predict(points), dtype=np.int64)
    return labels


def embedding(X: ArrayLike, method: Method, *, gamma: float = GAMMA, k: int = 3) -> FloatArray:
    """Return the representation of the points that a pipeline of :func:`cluster` clusters.

    Parameters
    ----------
    X
        Points, shape ``(n, p)``.
    method
        One of :data:`METHODS`: ``"raw"`` (the coordinates themselves), ``"svd"`` (top
        ``k`` singular vectors of ``M``), ``"stochastic"`` (of the column-stochastic
        ``M``) or ``"njw"`` (the ``"svd"`` rows rescaled to unit length).
    gamma
        RBF width of the affinity.
    k
        Embedding dimension (the number of clusters).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, p)`` for ``"raw"``, ``(n, k)`` otherwise.

    Raises
    ------
    ValueError
        For an unknown method or invalid ``X``, ``gamma``, ``k``, or a ``gamma`` so
        large that the affinity graph falls apart (affinities underflow to 0).

    Examples
    --------
    >>> X = [[0.0, 0.0], [0.1, 0.0], [3.0, 0.0], [3.1, 0.0]]
    >>> embedding(X, "njw", k=2).shape
    (4, 2)
    """
    _choice(method, "method", METHODS)
    points = _points(X)
    if method == "raw":
        return points
    A = rbf_affinity(points, gamma)
    _connected(A, float(gamma))
    M = symmetric_normalisation(A)
    if method == "stochastic":
        M = column_stochastic(M)
    U = top_singular_vectors(M, k)
    return row_normalise(U) if method == "njw" else U


def cluster(
    X: ArrayLike, method: Method, *, gamma: float = GAMMA, k: int = 3, seed: int = 0
) -> IntArray:
    """Cluster the points with one of the four pipelines (k-means on :func:`embedding`).

    Parameters
    ----------
    X
        Points, shape ``(n, p)``.
    method
        One of :data:`METHODS`.
    gamma
        RBF width of the affinity (unused by ``"raw"``).
    k
        Number of clusters (and embedding dimension).
    seed
        ``random_state`` of k-means.

    Returns
    -------
    numpy.ndarray
        One label in ``0..k-1`` per point.

    Raises
    ------
    ValueError
        For an unknown method or invalid arguments.

    Examples
    --------
    >>> X, y = three_clusters(seed=0)
    >>> labels = cluster(X, "njw", seed=0)
    >>> round(adjusted_rand_score(y, labels), 2)
    1.0
    """
    return kmeans_labels(embedding(X, method, gamma=gamma, k=k), k, seed=seed)


def pipeline_scores(
    X: ArrayLike, labels: ArrayLike, *, gamma: float = GAMMA, seed: int = 0
) -> dict[str, float]:
    """Score every pipeline of :func:`cluster` by its adjusted Rand index against ``labels``.

    Parameters
    ----------
    X
        Points, shape ``(n, p)``.
    labels
        True cluster labels (integers), one per point; their number of distinct values
        is the number of clusters ``k``.
    gamma
        RBF width.
    seed
        ``random_state`` of k-means.

    Returns
    -------
    dict
        ``{method: ARI}`` for every method of :data:`METHODS` (1 = perfect, about 0 =
        chance).

    Raises
    ------
    ValueError
        If ``labels`` does not hold one integer per point.

    Examples
    --------
    >>> X, y = three_clusters(seed=1)
    >>> sorted(pipeline_scores(X, y))
    ['njw', 'raw', 'stochastic', 'svd']
    """
    points = _points(X)
    truth = _labels(labels, len(points))
    k = len(np.unique(truth))
    return {
        method: float(
            adjusted_rand_score(truth, cluster(points, method, gamma=gamma, k=k, seed=seed))
        )
        for method in METHODS
    }


def sklearn_spectral_labels(
    X: ArrayLike,
    *,
    gamma: float = GAMMA,
    k: int = 3,
    assign_labels: Literal["kmeans", "discretize", "cluster_qr"] = "kmeans",
    seed: int = 0,
) -> IntArray:
    """Cluster with ``sklearn.cluster.SpectralClustering`` (RBF affinity), for comparison.

    scikit-learn embeds with the eigenvectors of the normalised Laplacian (the top
    eigenvectors of ``M`` computed with a zero diagonal in ``A``), scaled by
    ``D^{-1/2}``, and then assigns labels by k-means, by discretisation or by a
    column-pivoted QR.

    Parameters
    ----------
    X
        Points, shape ``(n, p)``.
    gamma
        RBF width.
    k
        Number of clusters.
    assign_labels
        ``"kmeans"``, ``"discretize"`` or ``"cluster_qr"``.
    seed
        ``random_state`` of the eigensolver and of k-means.

    Returns
    -------
    numpy.ndarray
        One label in ``0..k-1`` per point.

    Raises
    ------
    ValueError
        For invalid arguments.

    Examples
    --------
    >>> X, y = three_clusters(seed=0)
    >>> labels = sklearn_spectral_labels(X, assign_labels="cluster_qr")
    >>> round(adjusted_rand_score(y, labels), 2)
    1.0
    """
    points = _points(X)
    g = as_positive_float(gamma, "gamma")
    count = _clusters(k, len(points))
    random_state = _seed(seed)
    _choice(assign_labels, "assign_labels", ("kmeans", "discretize", "cluster_qr"))
    _connected(rbf_affinity(points, g), g)  # scikit-learn would only warn
    model = SpectralClustering(
        n_clusters=count,
        affinity="rbf",
        gamma=g,
        assign_labels=assign_labels,
        random_state=random_state,
    )
    labels: IntArray = np.asarray(model.fit_predict(points), dtype=np.int64)
    return labels


def _labels(labels: ArrayLike, n: int) -> IntArray:
    if isinstance(labels, str | bytes) or labels is None:
        raise TypeError(f"labels must be an array of integers, got {type(labels).__name__}")
    try:
        truth = np.asarray(labels)
    except (TypeError, ValueError):
        raise ValueError("labels must be a rectangular array of integers") from None
    if truth.dtype == bool or truth.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers, got dtype {truth.dtype}")
    if truth.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), one per point, got {truth.shape}")
    return truth.astype(np.int64)


# ------------------------------------------------------------------------ data


def three_clusters(
    n_moon: int = 180,
    n_arc: int = 150,
    *,
    noise: float = 0.03,
    concentration: float = 0.45,
    seed: object = 0,
) -> tuple[FloatArray, IntArray]:
    """Generate two interleaved half-moons above a wide arc: three non-convex clusters.

    The moons are those of ``sklearn.datasets.make_moons`` scaled by 1.7 (radius 1.7,
    about 0.85 apart where they interleave); the arc is a piece of a circle of radius
    4.3 whose lowest point lies 1.6 below the moons, spanning ±0.5 rad. With the
    defaults, the tenth-nearest neighbour of a point in its own cluster is typically
    0.15 away (affinity 0.85 at ``gamma = 7.5``) while points of different clusters are
    at least about 0.7 apart (affinity below 0.03). The angle along each moon is drawn
    as ``pi * Beta(c, c)``: for ``c < 1`` the tips are dense and the middle sparse, so
    degrees vary along each moon and the spectrum of ``M`` has no clear gap after
    its third singular value.

    Parameters
    ----------
    n_moon
        Points per moon, ``>= 2``.
    n_arc
        Points on the arc, ``>= 2``; ``2 n_moon + n_arc <=`` :data:`MAX_POINTS`.
    noise
        Standard deviation of the Gaussian jitter added to every coordinate, ``>= 0``.
    concentration
        ``c > 0`` of the Beta law of the angles along the moons (1: uniform).
    seed
        Seed or ``numpy.random.Generator``.

    Returns
    -------
    tuple
        ``(X, y)``: points ``(2 n_moon + n_arc, 2)`` and labels ``0`` (upper moon),
        ``1`` (lower moon), ``2`` (arc).

    Raises
    ------
    ValueError
        For counts below 2 or a negative noise or concentration.

    Examples
    --------
    >>> X, y = three_clusters(seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((510, 2), [180, 180, 150])
    """
    moon = as_int(n_moon, "n_moon", minimum=2)
    arc = as_int(n_arc, "n_arc", minimum=2)
    if 2 * moon + arc > MAX_POINTS:
        raise ValueError(
            f"2 n_moon + n_arc = {2 * moon + arc} points exceed MAX_POINTS = {MAX_POINTS}, "
            "the largest affinity matrix the pipelines build"
        )
    sigma = as_positive_float(noise, "noise", allow_zero=True)
    c = as_positive_float(concentration, "concentration")
    rng = as_generator(seed)
    scale, radius, gap, span = 1.7, 4.3, 1.6, 0.5
    t_upper, t_lower = np.pi * rng.beta(c, c, size=(2, moon))
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    moons = scale * np.vstack([upper, lower])
    angle = -np.pi / 2 + rng.uniform(-span, span, size=arc)
    centre = np.array([scale / 2, -0.5 * scale - gap + radius])
    bottom = centre + radius * np.column_stack([np.cos(angle), np.sin(angle)])
    X = np.vstack([moons, bottom]) + rng.normal(0.0, sigma, size=(2 * moon + arc, 2))
    y = np.repeat(np.arange(3, dtype=np.int64), [moon, moon, arc])
    return X, y
