r"""Learning on point clouds: permutation-invariant pooling, neighbourhood grouping, sampling.

A point cloud is a *set* of points stored as the rows of ``X`` (shape ``(n, 2)``); a
network on it should not depend on the order of the rows. This module provides

* :func:`mean_pool_features`, the network ``F = (1/n) sum_i phi(x_i W_1)``;
* :func:`group`, the four neighbourhood grouping schemes that build ``X̃`` (one row
  per point: the point and some description of its neighbours), with a choice of how
  ties between equally distant neighbours are broken, and :func:`invariance_gap`,
  which measures how much ``F`` changes when the input rows are permuted;
* :func:`tie_cloud`, a small cloud on which ties make input-order tie breaking fail;
* farthest-point and nearest-point sampling (the two downsampling rules), their
  coverage radius, and the exact k-centre optimum by exhaustive search;
* :func:`digit_cloud`, toy seven-segment digits as noisy point clouds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import distance

from dlhw.validation import (
    as_generator,
    as_int,
    as_positive_float,
    as_real_array,
    rescale,
    scale_exponent,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Scheme = Literal["knn_sorted", "knn_input_order", "radius_sorted", "radius_farthest"]
Ties = Literal["input", "lexicographic"]
Activation = Literal["relu", "tanh", "identity"]

#: The grouping schemes 1--4 of the chapter, in order.
SCHEMES: tuple[Scheme, ...] = get_args(Scheme)
#: Largest cloud for :func:`all_orderings` (8! = 40,320 orderings).
MAX_ORDERING_POINTS = 8
#: Largest number of subsets :func:`optimal_k_centre` examines.
MAX_SUBSETS = 2_000_000
#: Largest cloud the other functions accept.
MAX_POINTS = 5000
#: Largest cloud :func:`group` accepts (it forms all pairwise distances, and scheme 3
#: an ``n x 2n`` matrix).
MAX_GROUP_POINTS = 2000
#: The digit "1" of the chapter, four points on a vertical line.
EXAMPLE_ONE: FloatArray = np.array([[0.0, 4.0], [0.0, 3.0], [0.0, 2.0], [0.0, 1.0]])

_ACTIVATIONS: dict[str, Callable[[FloatArray], FloatArray]] = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "identity": lambda z: z,
}


def _choice(value: object, name: str, options: Sequence[str]) -> str:
    """Check that ``value`` is one of the option strings."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {repr(value)[:60]}")
    return value


def _indices(value: object, name: str) -> IntArray:
    """Read an integer array of indices (no booleans, floats or ragged lists)."""
    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{name} must be an array of integer indices, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a rectangular array of integer indices") from None
    if array.size and (array.dtype == bool or array.dtype.kind not in "iu"):
        raise TypeError(f"{name} must hold integer indices, got dtype {array.dtype}")
    return array.astype(np.int64)


def _cloud(X: ArrayLike, name: str = "X") -> FloatArray:
    points = as_real_array(X, name, ndim=2)
    if len(points) > MAX_POINTS:
        raise ValueError(f"{name} has {len(points)} points; at most {MAX_POINTS} are allowed")
    return points


def _scaled(points: FloatArray) -> tuple[FloatArray, int]:
    """Return ``points / 2**e`` (exact, entries below 1) and ``e``.

    Distances of clouds of size ``1e±200`` then neither overflow nor underflow (multiply
    them back by ``2**e``).
    """
    e = scale_exponent(points)
    return np.ldexp(points, -e), e


# ---------------------------------------------------------------- the network


def mean_pool_features(X: ArrayLike, W: ArrayLike, activation: Activation = "relu") -> FloatArray:
    """Return ``F = (1/n) sum_i phi(x_i W)``: a shared map per point, then an average.

    Parameters
    ----------
    X
        Points (or grouped rows ``X̃``), shape ``(n, p)``, or a stack ``(..., n, p)``.
    W
        Shared weights, shape ``(p, f)``.
    activation
        ``"relu"``, ``"tanh"`` or ``"identity"``, applied entry by entry.

    Returns
    -------
    numpy.ndarray
        ``F``, shape ``(f,)`` (or ``(..., f)``).

    Raises
    ------
    ValueError
        For mismatched shapes or an unknown activation.

    Examples
    --------
    >>> W = np.array([[1.0, -1.0], [0.0, 1.0]])
    >>> mean_pool_features(EXAMPLE_ONE, W)
    array([0. , 2.5])
    >>> mean_pool_features(EXAMPLE_ONE[::-1], W)  # rows reversed: same F
    array([0. , 2.5])
    """
    points = as_real_array(X, "X")
    weights = as_real_array(W, "W", ndim=2)
    if points.ndim < 2 or points.shape[-1] != weights.shape[0]:
        raise ValueError(
            f"X must have shape (..., n, {weights.shape[0]}) to match W {weights.shape}, "
            f"got {points.shape}"
        )
    _choice(activation, "activation", sorted(_ACTIVATIONS))
    result: FloatArray = _ACTIVATIONS[activation](points @ weights).mean(axis=-2)
    return result


def all_orderings(n: int) -> IntArray:
    """Every permutation of ``0..n-1``, one per row (``itertools.permutations`` order).

    Parameters
    ----------
    n
        Number of points, ``1 <= n <=`` :data:`MAX_ORDERING_POINTS`.

    Returns
    -------
    numpy.ndarray
        Shape ``(n!, n)``; row 0 is the identity. ``X[orderings]`` stacks every
        reordering of a cloud.

    Raises
    ------
    ValueError
        If ``n`` is out of range.

    Examples
    --------
    >>> all_orderings(3)
    array([[0, 1, 2],
           [0, 2, 1],
           [1, 0, 2],
           [1, 2, 0],
           [2, 0, 1],
           [2, 1, 0]])
    """
    count = as_int(n, "n", minimum=1)
    if count > MAX_ORDERING_POINTS:
        raise ValueError(
            f"n must be at most {MAX_ORDERING_POINTS} ({MAX_ORDERING_POINTS}! orderings), got "
            f"{count}; sample random permutations beyond that"
        )
    return np.array(list(itertools.permutations(range(count))), dtype=np.int64)


# ------------------------------------------------------------------ grouping


def _neighbour_order(points: FloatArray, squared: FloatArray, i: int, ties: Ties) -> IntArray:
    """Order the other points by distance from point ``i``, ties broken by ``ties``."""
    if ties == "input":
        order = np.argsort(squared[i], kind="stable")  # equal distances keep input order
    else:  # distance, then x, then y: only coordinates decide
        order = np.lexsort((points[:, 1], points[:, 0], squared[i]))
    others: IntArray = order[order != i].astype(np.int64)
    return others


def group(
    X: ArrayLike,
    scheme: Scheme,
    *,
    m: int | None = None,
    r: float | None = None,
    ties: Ties = "lexicographic",
) -> FloatArray:
    """Build ``X̃``: one row per point describing the point and its neighbourhood.

    1. ``"knn_sorted"``: ``[x_i, 1st nearest, ..., m-th nearest]``, width ``2(m + 1)``.
    2. ``"knn_input_order"``: the same ``m`` neighbours in the order they have in ``X``.
    3. ``"radius_sorted"``: ``x_i`` then every other point within distance ``r`` in
       increasing distance, zero-padded to width ``2n`` (the centre and at most
       ``n - 1`` neighbours; padding is what the truncation of a shared weight
       matrix does, and ``2n`` rows suffice where the source allots ``2(n + 1)``).
    4. ``"radius_farthest"``: ``[x_i, d_i]`` with ``d_i`` the distance to the farthest
       other point within ``r`` (0 if there is none), width 3.

    Parameters
    ----------
    X
        Points, shape ``(n, 2)`` (any dimension ``p`` works; widths scale with ``p``),
        ``n <=`` :data:`MAX_GROUP_POINTS`.
    scheme
        One of :data:`SCHEMES`.
    m
        Number of neighbours for schemes 1 and 2, ``1 <= m <= n - 1``.
    r
        Radius for schemes 3 and 4, ``> 0``.
    ties
        How equally distant neighbours are ordered (and, at the ``m``-th place,
        chosen): ``"input"`` keeps their order in ``X`` (what a stable argsort does),
        ``"lexicographic"`` orders them by coordinates, independently of ``X``'s order.

    Returns
    -------
    numpy.ndarray
        ``X̃``, shape ``(n, width)``.

    Raises
    ------
    ValueError
        For an unknown scheme or tie rule, or a missing or invalid ``m`` / ``r``.

    Examples
    --------
    >>> X = [[0.0, 0.0], [3.0, 0.0], [1.0, 0.0]]
    >>> group(X, "knn_sorted", m=1)
    array([[0., 0., 1., 0.],
           [3., 0., 1., 0.],
           [1., 0., 0., 0.]])
    >>> group(X, "radius_farthest", r=2.5)
    array([[0., 0., 1.],
           [3., 0., 2.],
           [1., 0., 2.]])
    """
    points = _cloud(X)
    n, p = points.shape
    if n > MAX_GROUP_POINTS:
        raise ValueError(
            f"X has {n} points; group accepts at most {MAX_GROUP_POINTS} (downsample first, "
            "e.g. with farthest_point_sampling)"
        )
    _choice(scheme, "scheme", SCHEMES)
    _choice(ties, "ties", ("input", "lexicographic"))
    if m is not None:  # checked even where the scheme does not use it
        as_int(m, "m", minimum=1)
    if r is not None:
        as_positive_float(r, "r")
    scaled, e = _scaled(points)
    squared = distance.cdist(scaled, scaled, "sqeuclidean")
    orders = [_neighbour_order(points, squared, i, ties) for i in range(n)]
    if scheme in ("knn_sorted", "knn_input_order"):
        if m is None:
            raise ValueError(f"scheme {scheme!r} needs the number of neighbours m")
        k = as_int(m, "m", minimum=1)
        if k > n - 1:
            raise ValueError(f"m must be at most n - 1 = {n - 1} (the other points), got {k}")
        chosen = np.array([order[:k] for order in orders])
        if scheme == "knn_input_order":
            chosen = np.sort(chosen, axis=1)
        return np.hstack([points, points[chosen].reshape(n, k * p)])
    if r is None:
        raise ValueError(f"scheme {scheme!r} needs the radius r")
    with np.errstate(over="ignore", under="ignore"):  # a radius far off the cloud's scale
        radius2 = float(np.ldexp(as_positive_float(r, "r"), -e)) ** 2
    if scheme == "radius_farthest":
        within = np.where(squared <= radius2, squared, 0.0)
        np.fill_diagonal(within, 0.0)
        farthest = rescale(np.sqrt(within.max(axis=1)), e, "X", "the neighbour distances")
        return np.hstack([points, farthest[:, None]])
    rows = np.zeros((n, n * p))
    for i, order in enumerate(orders):
        inside = order[squared[i, order] <= radius2]
        rows[i, : p * (len(inside) + 1)] = np.concatenate([points[i], points[inside].ravel()])
    return rows


def invariance_gap(
    X: ArrayLike,
    scheme: Scheme,
    W: ArrayLike,
    orderings: ArrayLike,
    *,
    m: int | None = None,
    r: float | None = None,
    ties: Ties = "lexicographic",
    activation: Activation = "relu",
) -> float:
    """Largest change of ``F = mean_pool(group(X), W)`` when the rows of ``X`` are reordered.

    Parameters
    ----------
    X
        Points, shape ``(n, p)``.
    scheme, m, r, ties
        As in :func:`group`.
    W
        Shared weights, shape ``(width of X̃, f)``.
    orderings
        Permutations of ``0..n-1``, shape ``(q, n)`` (e.g. :func:`all_orderings`).
    activation
        As in :func:`mean_pool_features`.

    Returns
    -------
    float
        ``max_P max_k |F(X[P])_k - F(X)_k|``: 0 for an order-invariant scheme up to
        rounding in the average (exactly 0 for schemes 1--3 with integer points and
        weights, whose sums are exact; scheme 4 appends square roots).

    Raises
    ------
    ValueError
        If an ordering is not a permutation of ``0..n-1``, or as :func:`group`.

    Examples
    --------
    >>> X, swap = tie_cloud()
    >>> W = np.arange(8.0).reshape(4, 2) - 3
    >>> invariance_gap(X, "knn_sorted", W, [swap], m=1, ties="input")
    0.6666666666666667
    >>> invariance_gap(X, "knn_sorted", W, [swap], m=1, ties="lexicographic")
    0.0
    """
    points = _cloud(X)
    perms = _indices(orderings, "orderings")
    n = len(points)
    if perms.ndim != 2:
        raise ValueError(f"orderings must be an integer array (q, {n}), got {perms.shape}")
    if perms.shape[1] != n or not np.all(np.sort(perms, axis=1) == np.arange(n)):
        raise ValueError(f"every row of orderings must be a permutation of 0..{n - 1}")

    def features(cloud: FloatArray) -> FloatArray:
        return mean_pool_features(group(cloud, scheme, m=m, r=r, ties=ties), W, activation)

    reference = features(points)
    gaps = [float(np.max(np.abs(features(points[P]) - reference))) for P in perms]
    return float(max(gaps, default=0.0))


def tie_cloud() -> tuple[FloatArray, IntArray]:
    """Return a cloud with a tie, and the reordering that exposes input-order tie breaking.

    Point 0 at the origin has two neighbours at distance 1, ``(1, 0)`` and ``(0, 1)``;
    no other distances tie. Swapping those two rows changes which of them is point 0's
    nearest neighbour under ``ties="input"`` (scheme 1 with ``m = 1``) and the order in
    which they are listed (scheme 3 with ``r = 1``), so ``F`` changes; with
    ``ties="lexicographic"`` nothing does.

    Returns
    -------
    tuple
        ``(X, swap)``: ``X`` of shape ``(3, 2)`` and the permutation ``[0, 2, 1]``.

    Examples
    --------
    >>> X, swap = tie_cloud()
    >>> X[swap]
    array([[0., 0.],
           [0., 1.],
           [1., 0.]])
    """
    return np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), np.array([0, 2, 1], dtype=np.int64)


# ----------------------------------------------------------------- sampling


def _greedy_sampling(
    X: ArrayLike, k: int | None, start: int | None, seed: object, *, farthest: bool
) -> IntArray:
    points = _cloud(X)
    n = len(points)
    count = math.ceil(n / 2) if k is None else as_int(k, "k", minimum=1)
    if count > n:
        raise ValueError(f"k must be at most the number of points ({n}), got {count}")
    if start is None:
        first = int(as_generator(seed).integers(n))
    else:
        first = as_int(start, "start", minimum=0)
        if first >= n:
            raise ValueError(f"start must be a point index in 0..{n - 1}, got {first}")
    sampled = [first]
    points, _ = _scaled(points)  # the order of distances does not change
    nearest = np.linalg.norm(points - points[first], axis=1)  # distance to the sampled set
    remaining = np.ones(n, dtype=bool)
    remaining[first] = False
    for _ in range(count - 1):
        candidates = np.flatnonzero(remaining)
        pick = np.argmax if farthest else np.argmin
        chosen = int(candidates[pick(nearest[candidates])])  # ties: lowest index
        sampled.append(chosen)
        remaining[chosen] = False
        nearest = np.minimum(nearest, np.linalg.norm(points - points[chosen], axis=1))
    return np.array(sampled, dtype=np.int64)


def farthest_point_sampling(
    X: ArrayLike, k: int | None = None, *, start: int | None = None, seed: object = 0
) -> IntArray:
    """Alg. 1: repeatedly add the remaining point *farthest* from the sampled set.

    The first point is ``start``, or drawn uniformly with ``seed``. This is Gonzalez's
    greedy algorithm for the k-centre problem: its coverage radius is at most twice
    the optimal one.

    Parameters
    ----------
    X
        Points, shape ``(n, p)``.
    k
        Number of points to keep, ``1 <= k <= n``; default ``ceil(n / 2)``.
    start
        Index of the first point (overrides ``seed``).
    seed
        Seed or generator for the first point when ``start`` is not given.

    Returns
    -------
    numpy.ndarray
        The ``k`` sampled indices in the order they were chosen (ties: lowest index).

    Raises
    ------
    ValueError
        For an invalid cloud, ``k`` or ``start``.

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [10.0]]
    >>> farthest_point_sampling(X, 3, start=1)
    array([1, 3, 0])
    """
    return _greedy_sampling(X, k, start, seed, farthest=True)


def nearest_point_sampling(
    X: ArrayLike, k: int | None = None, *, start: int | None = None, seed: object = 0
) -> IntArray:
    """Alg. 2: repeatedly add the remaining point *nearest* to the sampled set.

    Parameters
    ----------
    X
        Points, shape ``(n, p)``.
    k
        Number of points to keep, ``1 <= k <= n``; default ``ceil(n / 2)``.
    start
        Index of the first point (overrides ``seed``).
    seed
        Seed or generator for the first point when ``start`` is not given.

    Returns
    -------
    numpy.ndarray
        The ``k`` sampled indices in the order they were chosen: a clump grown around
        the first point.

    Raises
    ------
    ValueError
        For an invalid cloud, ``k`` or ``start``.

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [10.0]]
    >>> nearest_point_sampling(X, 3, start=1)
    array([1, 0, 2])
    """
    return _greedy_sampling(X, k, start, seed, farthest=False)


def coverage_radius(X: ArrayLike, sampled: ArrayLike) -> float:
    """Largest distance from any point of ``X`` to its nearest sampled point.

    Parameters
    ----------
    X
        Points, shape ``(n, p)``.
    sampled
        Indices of the sampled points (at least one).

    Returns
    -------
    float
        ``max_i min_{s in sampled} ||x_i - x_s||``, the k-centre objective.

    Raises
    ------
    ValueError
        If ``sampled`` is empty or holds an index out of range.

    Examples
    --------
    >>> coverage_radius([[0.0], [1.0], [2.0], [10.0]], [1, 3])
    1.0
    """
    points = _cloud(X)
    chosen = _indices(sampled, "sampled")
    if chosen.ndim != 1 or chosen.size == 0:
        raise ValueError(f"sampled must be a non-empty 1-D array of indices, got {chosen.shape}")
    if chosen.min() < 0 or chosen.max() >= len(points):
        raise ValueError(f"sampled indices must lie in 0..{len(points) - 1}")
    scaled, e = _scaled(points)
    radius = distance.cdist(scaled, scaled[chosen]).min(axis=1).max()
    return float(rescale(radius, e, "X", "the coverage radius")[()])


def optimal_k_centre(X: ArrayLike, k: int) -> tuple[float, IntArray]:
    """Find the exact k-centre optimum (centres among the points) by trying every subset.

    Parameters
    ----------
    X
        Points, shape ``(n, p)``.
    k
        Number of centres, ``1 <= k <= n``; ``C(n, k)`` must not exceed
        :data:`MAX_SUBSETS`.

    Returns
    -------
    tuple
        ``(radius, centres)``: the smallest coverage radius over all ``k``-subsets and
        the first subset (lexicographic order) that attains it.

    Raises
    ------
    ValueError
        If ``k`` is out of range or there are too many subsets.

    Examples
    --------
    >>> optimal_k_centre([[0.0], [1.0], [2.0], [10.0]], 2)
    (1.0, array([1, 3]))
    """
    points = _cloud(X)
    n = len(points)
    count = as_int(k, "k", minimum=1)
    if count > n:
        raise ValueError(f"k must be at most the number of points ({n}), got {count}")
    subsets = math.comb(n, count)
    if subsets > MAX_SUBSETS:
        raise ValueError(
            f"C({n}, {count}) = {subsets} subsets exceed the limit {MAX_SUBSETS}; use a "
            "smaller cloud or k"
        )
    scaled, e = _scaled(points)
    D = distance.cdist(scaled, scaled)
    combos = itertools.combinations(range(n), count)
    best, best_subset = math.inf, np.zeros(count, dtype=np.int64)
    chunk = max(1, 2**22 // (n * count))
    while block := list(itertools.islice(combos, chunk)):
        centres = np.array(block, dtype=np.int64)  # (c, k)
        radii = D[:, centres].min(axis=2).max(axis=0)  # (c,)
        i = int(np.argmin(radii))
        if radii[i] < best:
            best, best_subset = float(radii[i]), centres[i]
    return float(rescale(best, e, "X", "the k-centre radius")[()]), best_subset


# ---------------------------------------------------------------------- data

# Seven-segment strokes in the box [0, 1] x [0, 2], as (start, end) points.
_SEGMENTS = {
    "a": ((0, 2), (1, 2)),
    "b": ((1, 2), (1, 1)),
    "c": ((1, 1), (1, 0)),
    "d": ((0, 0), (1, 0)),
    "e": ((0, 0), (0, 1)),
    "f": ((0, 1), (0, 2)),
    "g": ((0, 1), (1, 1)),
}
_DIGIT_SEGMENTS = (
    "abcdef",
    "bc",
    "abged",
    "abgcd",
    "fgbc",
    "afgcd",
    "afgedc",
    "abc",
    "abcdefg",
    "abcdfg",
)


def digit_cloud(
    digit: int, n_points: int = 64, *, noise: float = 0.03, seed: object = 0
) -> FloatArray:
    """Draw a toy point cloud of a seven-segment digit: points along its strokes, jittered.

    Parameters
    ----------
    digit
        ``0..9``.
    n_points
        Number of points, ``>= 1``.
    noise
        Standard deviation of the Gaussian jitter, ``>= 0``.
    seed
        Seed or ``numpy.random.Generator``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_points, 2)``, in the box ``[0, 1] x [0, 2]`` up to the jitter; each
        point lies on a segment chosen uniformly among the digit's segments.

    Raises
    ------
    ValueError
        For a digit outside ``0..9`` or invalid counts.

    Examples
    --------
    >>> cloud = digit_cloud(1, 10, noise=0.0)
    >>> bool(np.all(cloud[:, 0] == 1.0))
    True
    """
    d = as_int(digit, "digit", minimum=0)
    if d > 9:
        raise ValueError(f"digit must be in 0..9, got {d}")
    count = as_int(n_points, "n_points", minimum=1)
    if count > MAX_POINTS:
        raise ValueError(f"n_points must be at most {MAX_POINTS}, got {count}")
    sigma = as_positive_float(noise, "noise", allow_zero=True)
    rng = as_generator(seed)
    ends = np.array([_SEGMENTS[s] for s in _DIGIT_SEGMENTS[d]], dtype=np.float64)  # (s, 2, 2)
    which = rng.integers(len(ends), size=count)
    t = rng.uniform(size=(count, 1))
    cloud = ends[which, 0] + t * (ends[which, 1] - ends[which, 0])
    jittered: FloatArray = cloud + rng.normal(0.0, sigma, size=cloud.shape)
    return jittered
