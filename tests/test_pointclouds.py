"""Point clouds: pooling, grouping schemes and ties, sampling, k-centre, bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlhw import pointclouds as pc

real_clouds = hnp.arrays(
    np.float64,
    st.tuples(st.integers(3, 7), st.just(2)),
    elements=st.floats(-5, 5, allow_nan=False),
    unique=True,
)
grid_clouds = hnp.arrays(
    np.float64, st.tuples(st.integers(3, 6), st.just(2)), elements=st.integers(-2, 2).map(float)
)


def widths(scheme: str, n: int, m: int = 2) -> int:
    return {"knn_sorted": 2 * (m + 1), "knn_input_order": 2 * (m + 1), "radius_sorted": 2 * n}.get(
        scheme, 3
    )


def options(scheme: str) -> dict[str, float]:
    return {"m": 2} if scheme.startswith("knn") else {"r": 2.5}


# ---------------------------------------------------------------- pooling


@given(real_clouds, st.integers(0, 10**6))
@settings(max_examples=60, deadline=None)
def test_mean_pool_matches_a_loop_and_ignores_order(X: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(2, 3))
    F = pc.mean_pool_features(X, W)
    loop = sum(np.maximum(x @ W, 0) for x in X) / len(X)
    np.testing.assert_allclose(F, loop, rtol=1e-12, atol=1e-12)
    P = rng.permutation(len(X))
    np.testing.assert_allclose(pc.mean_pool_features(X[P], W), F, rtol=1e-12, atol=1e-12)


def test_pooling_is_exactly_invariant_on_integers_for_every_ordering() -> None:
    X = np.array([[0.0, 4.0], [0.0, 3.0], [1.0, 2.0], [-2.0, 1.0], [3.0, 3.0]])
    W = np.array([[1.0, -2.0, 0.5], [-1.0, 1.0, 2.0]])
    stack = pc.mean_pool_features(X[pc.all_orderings(5)], W)
    assert stack.shape == (120, 3)
    assert np.all(stack == stack[0])


def test_all_orderings_are_distinct_permutations() -> None:
    orders = pc.all_orderings(5)
    assert orders.shape == (math.factorial(5), 5)
    assert len({tuple(o) for o in orders}) == 120
    assert np.all(np.sort(orders, axis=1) == np.arange(5))


# ---------------------------------------------------------------- grouping


def brute_neighbours(X: np.ndarray, i: int, ties: str) -> list[int]:
    """Sort the other points with Python's sort: the witness for ``group``."""
    d = [float(np.sum((X[j] - X[i]) ** 2)) for j in range(len(X))]
    others = [j for j in range(len(X)) if j != i]
    if ties == "input":
        return sorted(others, key=lambda j: d[j])
    return sorted(others, key=lambda j: (d[j], X[j, 0], X[j, 1]))


@pytest.mark.parametrize("ties", ["input", "lexicographic"])
@given(X=grid_clouds)
@settings(max_examples=40, deadline=None)
def test_grouping_matches_brute_force(ties: str, X: np.ndarray) -> None:
    n = len(X)
    for m in range(1, n):
        rows = pc.group(X, "knn_sorted", m=m, ties=ties)  # type: ignore[arg-type]
        by_input = pc.group(X, "knn_input_order", m=m, ties=ties)  # type: ignore[arg-type]
        for i in range(n):
            near = brute_neighbours(X, i, ties)[:m]
            assert np.array_equal(rows[i], np.concatenate([X[i], *X[near]]))
            assert np.array_equal(by_input[i], np.concatenate([X[i], *X[sorted(near)]]))
    for r in (0.5, 1.0, 1.5, 3.0, 10.0):
        rows = pc.group(X, "radius_sorted", r=r, ties=ties)  # type: ignore[arg-type]
        far = pc.group(X, "radius_farthest", r=r)
        for i in range(n):
            inside = [j for j in brute_neighbours(X, i, ties) if np.linalg.norm(X[j] - X[i]) <= r]
            expected = np.concatenate([X[i], *X[inside], np.zeros(2 * (n - 1 - len(inside)))])
            assert np.array_equal(rows[i], expected)
            d = max((np.linalg.norm(X[j] - X[i]) for j in inside), default=0.0)
            assert np.array_equal(far[i], [*X[i], d])


def test_radius_rows_need_2n_columns_not_2n_plus_2() -> None:
    # With r covering the whole cloud, the centre and n - 1 neighbours fill 2n columns.
    X = np.random.default_rng(0).normal(size=(6, 2))
    rows = pc.group(X, "radius_sorted", r=100.0)
    assert rows.shape == (6, 12)
    assert np.all(rows != 0)


def has_distance_ties(X: np.ndarray) -> bool:
    D = np.sum((X[:, None] - X[None]) ** 2, axis=-1)
    return any(len(set(np.delete(row, i))) < len(X) - 1 for i, row in enumerate(D))


@pytest.mark.parametrize("scheme", ["knn_sorted", "radius_sorted", "radius_farthest"])
@given(X=real_clouds, seed=st.integers(0, 10**6))
@settings(max_examples=30, deadline=None)
def test_invariant_schemes_on_random_clouds(scheme: str, X: np.ndarray, seed: int) -> None:
    # Coordinate tie breaking is invariant on every cloud; input-order tie breaking
    # only where no two neighbours of a point are equally far (scheme 4 always).
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(widths(scheme, len(X)), 4))
    perms = np.array([rng.permutation(len(X)) for _ in range(10)])
    gap = pc.invariance_gap(X, scheme, W, perms, **options(scheme))  # type: ignore[arg-type]
    assert gap < 1e-12
    if not has_distance_ties(X) or scheme == "radius_farthest":
        gap = pc.invariance_gap(X, scheme, W, perms, ties="input", **options(scheme))  # type: ignore[arg-type]
        assert gap < 1e-12


def test_input_order_scheme_is_not_invariant() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 2))
    W = rng.normal(size=(6, 4))
    assert pc.invariance_gap(X, "knn_input_order", W, pc.all_orderings(5), m=2) > 0.01


@pytest.mark.parametrize("scheme", ["knn_sorted", "radius_sorted", "radius_farthest"])
@given(X=grid_clouds)
@settings(max_examples=25, deadline=None)
def test_coordinate_tie_breaking_is_invariant_on_grids(scheme: str, X: np.ndarray) -> None:
    # Integer clouds are full of ties. Schemes 1 and 3 copy coordinates, so with integer
    # weights F is exact and the gap exactly 0; scheme 4 appends square roots.
    W = np.arange(widths(scheme, len(X)) * 3, dtype=float).reshape(-1, 3) % 7 - 3
    gap = pc.invariance_gap(X, scheme, W, pc.all_orderings(len(X)), **options(scheme))  # type: ignore[arg-type]
    assert gap == 0.0 if scheme != "radius_farthest" else gap < 1e-12


def test_ties_break_input_order_tie_breaking() -> None:
    X, swap = pc.tie_cloud()
    W = np.random.default_rng(0).normal(size=(6, 3))
    for scheme, opts in (("knn_sorted", {"m": 1}), ("radius_sorted", {"r": 1.0})):
        w = W[: widths(scheme, 3, 1)]
        assert pc.invariance_gap(X, scheme, w, [swap], ties="input", **opts) > 0.01
        assert pc.invariance_gap(X, scheme, w, [swap], ties="lexicographic", **opts) == 0.0
    assert pc.invariance_gap(X, "radius_farthest", W[:3], [swap], r=1.0, ties="input") == 0.0


# ---------------------------------------------------------------- sampling


def naive_sampling(X: np.ndarray, k: int, start: int, farthest: bool) -> list[int]:
    sampled = [start]
    while len(sampled) < k:
        rest = [j for j in range(len(X)) if j not in sampled]
        gap = [min(np.linalg.norm(X[j] - X[s]) for s in sampled) for j in rest]
        best = max(gap) if farthest else min(gap)
        sampled.append(rest[gap.index(best)])
    return sampled


@given(real_clouds, st.data())
@settings(max_examples=40, deadline=None)
def test_sampling_matches_a_naive_loop(X: np.ndarray, data: st.DataObject) -> None:
    n = len(X)
    k = data.draw(st.integers(1, n))
    start = data.draw(st.integers(0, n - 1))
    fps = pc.farthest_point_sampling(X, k, start=start)
    assert fps.tolist() == naive_sampling(X, k, start, farthest=True)
    nps = pc.nearest_point_sampling(X, k, start=start)
    assert nps.tolist() == naive_sampling(X, k, start, farthest=False)
    assert len(set(fps.tolist())) == k


def test_sampling_defaults_and_seed() -> None:
    X = pc.digit_cloud(8, 41, seed=2)
    assert len(pc.farthest_point_sampling(X)) == 21  # ceil(n / 2)
    assert np.array_equal(
        pc.farthest_point_sampling(X, seed=5), pc.farthest_point_sampling(X, seed=5)
    )
    firsts = {int(pc.nearest_point_sampling(X, 3, seed=s)[0]) for s in range(20)}
    assert len(firsts) > 1


def brute_k_centre(X: np.ndarray, k: int) -> float:
    return min(
        max(min(np.linalg.norm(x - X[c]) for c in centres) for x in X)
        for centres in itertools.combinations(range(len(X)), k)
    )


@given(real_clouds, st.data())
@settings(max_examples=40, deadline=None)
def test_k_centre_and_gonzalez_bound(X: np.ndarray, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, len(X)))
    radius, centres = pc.optimal_k_centre(X, k)
    assert radius == pytest.approx(brute_k_centre(X, k), abs=1e-12)
    assert pc.coverage_radius(X, centres) == pytest.approx(radius, abs=1e-12)
    for start in range(len(X)):
        greedy = pc.coverage_radius(X, pc.farthest_point_sampling(X, k, start=start))
        assert radius - 1e-12 <= greedy <= 2 * radius + 1e-12


def test_gonzalez_factor_two_is_attained() -> None:
    X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    radius, _ = pc.optimal_k_centre(X, 1)
    assert pc.coverage_radius(X, pc.farthest_point_sampling(X, 1, start=0)) == 2 * radius


def test_farthest_sampling_covers_better_than_nearest_on_a_digit() -> None:
    X = pc.digit_cloud(0, 60, seed=0)
    for seed in range(5):
        far = pc.coverage_radius(X, pc.farthest_point_sampling(X, 10, seed=seed))
        near = pc.coverage_radius(X, pc.nearest_point_sampling(X, 10, seed=seed))
        assert far < near


def test_coverage_radius_brute_force() -> None:
    X = np.random.default_rng(3).normal(size=(9, 2))
    S = [0, 4]
    expected = max(min(np.linalg.norm(x - X[s]) for s in S) for x in X)
    assert pc.coverage_radius(X, S) == pytest.approx(expected, abs=1e-14)


# -------------------------------------------------------------------- data


def test_digits() -> None:
    clouds = [pc.digit_cloud(d, 200, noise=0.0, seed=0) for d in range(10)]
    for cloud in clouds:
        assert cloud.shape == (200, 2)
        assert np.all((cloud >= 0) & (cloud <= [1, 2]))
    one = clouds[1]
    assert np.all(one[:, 0] == 1.0)
    eight = clouds[8]
    assert np.any(np.isclose(eight[:, 1], 1.0))  # the middle bar
    assert not np.any((clouds[7][:, 1] == 0) & (clouds[7][:, 0] < 1))  # no bottom bar
    assert np.array_equal(pc.digit_cloud(3, seed=1), pc.digit_cloud(3, seed=1))


# ---------------------------------------------------------------- bad input

X0 = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: pc.mean_pool_features(X0, np.ones((3, 2))), ValueError, "X must have shape"),
        (lambda: pc.mean_pool_features(X0, np.ones(2)), ValueError, "W must be 2-dimensional"),
        (lambda: pc.mean_pool_features(X0, np.ones((2, 2)), "gelu"), ValueError, "activation"),  # type: ignore[arg-type]
        (lambda: pc.mean_pool_features("cloud", np.ones((2, 2))), TypeError, "X must be an array"),
        (lambda: pc.all_orderings(9), ValueError, "n must be at most 8"),
        (lambda: pc.all_orderings(0), ValueError, "n must be >= 1"),
        (lambda: pc.group(np.zeros((2001, 2)), "knn_sorted", m=1), ValueError, "at most 2000"),
        (lambda: pc.group(X0, "voxel"), ValueError, "scheme must be one of"),  # type: ignore[arg-type]
        (lambda: pc.group(X0, "knn_sorted"), ValueError, "needs the number of neighbours m"),
        (lambda: pc.group(X0, "knn_sorted", m=3), ValueError, "m must be at most n - 1 = 2"),
        (lambda: pc.group(X0, "knn_sorted", m=True), TypeError, "m must be an integer"),  # type: ignore[arg-type]
        (lambda: pc.group(X0, "radius_sorted"), ValueError, "needs the radius r"),
        (
            lambda: pc.group(X0, "radius_sorted", r=-1.0),
            ValueError,
            "r must be a finite number > 0",
        ),
        (lambda: pc.group(X0, "radius_sorted", r=np.nan), ValueError, "r must be"),
        (lambda: pc.group(X0, "knn_sorted", m=1, ties="random"), ValueError, "ties must be"),  # type: ignore[arg-type]
        (
            lambda: pc.group([[np.inf, 0.0]], "radius_farthest", r=1.0),
            ValueError,
            "X must contain only finite",
        ),
        (
            lambda: pc.invariance_gap(X0, "knn_sorted", np.ones((4, 1)), [[0, 0, 1]], m=1),
            ValueError,
            "permutation",
        ),
        (
            lambda: pc.invariance_gap(X0, "knn_sorted", np.ones((4, 1)), [0, 1, 2], m=1),
            ValueError,
            "orderings",
        ),
        (lambda: pc.farthest_point_sampling(X0, 4), ValueError, "k must be at most"),
        (lambda: pc.farthest_point_sampling(X0, 0), ValueError, "k must be >= 1"),
        (
            lambda: pc.farthest_point_sampling(X0, 2, start=3),
            ValueError,
            "start must be a point index",
        ),
        (lambda: pc.nearest_point_sampling(X0, 2, seed="s"), TypeError, "seed"),
        (lambda: pc.coverage_radius(X0, []), ValueError, "sampled must be a non-empty"),
        (lambda: pc.coverage_radius(X0, [5]), ValueError, "sampled indices must lie"),
        (lambda: pc.coverage_radius(X0, [True]), TypeError, "sampled must hold integer"),
        (
            lambda: pc.optimal_k_centre(np.zeros((40, 2)), 10),
            ValueError,
            "subsets exceed the limit",
        ),
        (
            lambda: pc.optimal_k_centre(X0, 4),
            ValueError,
            "k must be at most the number of points \\(3\\), got 4",
        ),
        (lambda: pc.digit_cloud(10), ValueError, "digit must be in 0..9"),
        (lambda: pc.digit_cloud(1.0), TypeError, "digit must be an integer"),  # type: ignore[arg-type]
        (lambda: pc.digit_cloud(1, 0), ValueError, "n_points must be >= 1"),
        (lambda: pc.digit_cloud(1, 10**6), ValueError, "n_points must be at most"),
        (lambda: pc.digit_cloud(1, noise=-1.0), ValueError, "noise"),
    ],
)
def test_bad_input_names_the_argument(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


@given(
    st.one_of(st.floats().filter(lambda v: not 0 < v < np.inf), st.booleans(), st.text(max_size=2))
)
@settings(max_examples=40, deadline=None)
def test_bad_radius_is_rejected(r: object) -> None:
    for scheme in ("radius_sorted", "radius_farthest"):
        with pytest.raises((TypeError, ValueError), match="r must be"):
            pc.group(X0, scheme, r=r)  # type: ignore[arg-type]


JUNK = st.sampled_from(
    [
        None,
        "ab",
        b"x",
        1 + 2j,
        object(),
        {1: 2},
        {1, 2},
        True,
        np.nan,
        np.inf,
        -1,
        10**30,
        2.5,
        [],
        [[]],
        np.array([1 + 1j]),
        np.zeros((2, 2, 2)),
        [[1, 2], [3]],
        np.array(["a"]),
        [3],
    ]
)
X6 = np.random.default_rng(0).normal(size=(6, 2))
GOOD = {
    "mean_pool_features": (
        pc.mean_pool_features,
        {"X": X6, "W": np.ones((2, 3)), "activation": "relu"},
    ),
    "all_orderings": (pc.all_orderings, {"n": 3}),
    "group_knn": (pc.group, {"X": X6, "scheme": "knn_sorted", "m": 2, "ties": "input"}),
    "group_radius": (pc.group, {"X": X6, "scheme": "radius_sorted", "r": 1.0, "ties": "input"}),
    "invariance_gap": (
        pc.invariance_gap,
        {
            "X": X6,
            "scheme": "knn_sorted",
            "W": np.ones((6, 2)),
            "orderings": [[0, 1, 2, 3, 4, 5]],
            "m": 2,
            "ties": "input",
            "activation": "relu",
        },
    ),
    "farthest_point_sampling": (pc.farthest_point_sampling, {"X": X6, "k": 3, "start": 1}),
    "nearest_point_sampling": (pc.nearest_point_sampling, {"X": X6, "k": 3, "seed": 0}),
    "coverage_radius": (pc.coverage_radius, {"X": X6, "sampled": [0, 1]}),
    "optimal_k_centre": (pc.optimal_k_centre, {"X": X6, "k": 2}),
    "digit_cloud": (pc.digit_cloud, {"digit": 3, "n_points": 10, "noise": 0.01, "seed": 0}),
}
ARGUMENTS = [(key, name) for key, (_, kwargs) in GOOD.items() for name in kwargs]


def refusal(fn, kwargs) -> str | None:
    """The message of the ValueError/TypeError the call raises, or None if it succeeds."""
    try:
        fn(**kwargs)
    except (TypeError, ValueError) as err:
        return str(err)
    return None


@pytest.mark.parametrize(("key", "name"), ARGUMENTS, ids=[f"{k}-{a}" for k, a in ARGUMENTS])
@given(bad=JUNK)
@settings(max_examples=25, deadline=None)
def test_junk_in_any_argument_is_refused_by_name(key, name, bad) -> None:
    fn, good = GOOD[key]
    message = refusal(fn, dict(good, **{name: bad}))
    if message is not None:
        assert name in message
    else:  # accepted: only the few valid values among the junk may be
        numeric = name in ("r", "noise") and isinstance(bad, float | int)
        seed = name == "seed" and (bad is None or (type(bad) is int and bad >= 0))
        stack = (
            key == "mean_pool_features" and name == "X" and np.ndim(bad) == 3
        )  # a batch of clouds
        default = bad is None and name in ("k", "start")  # the documented defaults
        index = name == "sampled" and bad == [3]  # a valid list of indices
        assert numeric or seed or stack or default or index
