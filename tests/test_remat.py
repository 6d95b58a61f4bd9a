"""Rematerialisation: the spec's counts, closed forms, optimal schedules, torch checkpoint."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw import remat as rm

CONVENTIONS = ("output", "input")
REBUILDS = ("layer", "segment")


def all_subsets(L: int):
    return itertools.chain.from_iterable(
        itertools.combinations(range(1, L + 1), r) for r in range(L + 1)
    )


# ------------------------------------------------------------- the spec's numbers


def test_spec_counts_in_the_source_convention() -> None:
    s = rm.simulate_backward(10, {5, 10})
    assert s.fwd_per_layer == (0, 4, 3, 2, 1, 0, 4, 3, 2, 1)
    assert s.counts == rm.Counts(fwd=20, loadmem=10, loaddisk=0, peak_memory=2)


def test_spec_counts_in_the_input_convention() -> None:
    s = rm.simulate_backward(10, {5, 10}, convention="input")
    assert s.fwd_per_layer == (4, 3, 2, 1, 0, 4, 3, 2, 1, 0)
    assert s.counts == rm.Counts(fwd=20, loadmem=10, loaddisk=0, peak_memory=2)


def test_spec_example_updating_layer_7() -> None:
    out = [e for e in rm.simulate_backward(10, {5, 10}).trace if e[0] == 7]
    assert out == [(7, "loadmem", 5), (7, "fwd", 6), (7, "fwd", 7)]
    inp = [e for e in rm.simulate_backward(10, {5, 10}, convention="input").trace if e[0] == 7]
    assert inp == [(7, "loadmem", 5), (7, "fwd", 6)]


def test_break_even_is_exactly_50_ns() -> None:
    t = rm.break_even_loaddisk(
        rm.simulate_backward(10, {5, 10}).counts, rm.disk_backward(10).counts
    )
    assert isinstance(t, sympy.Rational)
    assert t == 50
    # Witness: both schemes take 500 ns at that latency.
    assert 10 * t == 20 * 20 + 10 * 10
    for tf, tm in ((20.0, 10.0), (Fraction(20), Fraction(10)), (sympy.Integer(20), 10)):
        assert (
            rm.break_even_loaddisk(
                rm.uniform_counts(10, 5), rm.disk_backward(10).counts, t_fwd=tf, t_loadmem=tm
            )
            == 50
        )


def test_break_even_in_the_input_convention() -> None:
    # Layer 1 then needs the input, which is in chip memory even in the disk scheme.
    disk = rm.disk_backward(10, convention="input").counts
    assert disk == rm.Counts(fwd=0, loadmem=1, loaddisk=9, peak_memory=0)
    recompute = rm.simulate_backward(10, {5, 10}, convention="input").counts
    t = rm.break_even_loaddisk(recompute, disk)
    assert t == sympy.Rational(490, 9)
    assert 10 * 1 + 9 * t == 20 * 20 + 10 * 10


def test_break_even_reads_floats_as_decimals() -> None:
    t = rm.break_even_loaddisk(rm.Counts(1, 0, 0, 0), rm.Counts(0, 0, 10, 0), t_fwd=0.1)
    assert t == sympy.Rational(1, 100)


# ------------------------------------------------------------------ closed forms


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("rebuild", REBUILDS)
def test_closed_forms_match_the_simulator_for_every_spacing(convention, rebuild) -> None:
    for L in range(1, 31):
        for c in range(1, L + 2):
            simulated = rm.simulate_backward(
                L, rm.uniform_checkpoints(L, c), convention=convention, rebuild=rebuild
            )
            assert simulated.counts == rm.uniform_counts(
                L, c, convention=convention, rebuild=rebuild
            )


def test_closed_forms_are_exact_for_huge_chains() -> None:
    L, c = 10**30 + 7, 10**15
    counts = rm.uniform_counts(L, c)
    q, r = divmod(L, c)
    assert counts.fwd == q * c * (c - 1) // 2 + r * (r + 1) // 2
    assert isinstance(counts.fwd, int)
    assert counts.peak_memory == q + 1


def test_conventions_agree_exactly_when_the_top_layer_is_stored() -> None:
    # fwd(output) - fwd(input) = the re-runs for a_L, which is 0 iff L is a checkpoint.
    for L in range(1, 11):
        for S in all_subsets(L):
            out = rm.simulate_backward(L, S).counts
            inp = rm.simulate_backward(L, S, convention="input").counts
            base = max(s for s in (0, *S) if s <= L)
            assert out.fwd - inp.fwd == L - base
            assert (out.fwd == inp.fwd) == (L in S)
            assert out.loadmem == inp.loadmem == L


def test_uniform_checkpoints() -> None:
    assert rm.uniform_checkpoints(10, 5) == {5, 10}
    assert rm.uniform_checkpoints(10, 3) == {3, 6, 9}
    assert rm.uniform_checkpoints(4, 5) == frozenset()


def test_tradeoff_curve_and_the_square_root_rule() -> None:
    for L in range(1, 201):
        curve = rm.tradeoff_curve(L)
        peaks = curve["segment_peak"]
        best = int(peaks.min())
        assert 2 * math.sqrt(L) - 3 <= best <= 2 * math.sqrt(L)
        c = math.isqrt(L - 1) + 1  # ceil(sqrt(L))
        assert peaks[c - 1] == best  # Chen et al.'s spacing reaches the minimum
        assert curve["segment_fwd"][c - 1] <= L
    curve = rm.tradeoff_curve(30)
    assert np.array_equal(curve["every"], np.arange(1, 31))
    assert np.all(curve["segment_fwd"] <= curve["layer_fwd"])
    assert np.all(curve["layer_peak"] <= curve["segment_peak"])


# ------------------------------------------------------------ the simulator itself


def replay(L: int, stored: set[int], schedule: rm.Schedule, convention: str, rebuild: str) -> None:
    """An independent chip: every load must hit memory, every fwd extend the register."""
    held = set(stored) | {0}
    kept: set[int] = set()
    register = None
    for k in range(L, 0, -1):
        events = [e for e in schedule.trace if e[0] == k]
        for _, action, index in events:
            if action == "loadmem":
                assert index in held or index in kept
                register = index
            else:
                assert action == "fwd"
                assert index == register + 1
                register = index
                if rebuild == "segment":
                    kept.add(index)
        assert register == (k if convention == "output" else k - 1)
        kept.discard(register)
    assert sum(e[1] == "fwd" for e in schedule.trace) == schedule.counts.fwd


@given(st.integers(1, 25), st.data())
@settings(max_examples=120, deadline=None)
def test_simulator_invariants(L: int, data) -> None:
    S = set(data.draw(st.sets(st.integers(1, L))))
    stored = S | {0}
    for convention in CONVENTIONS:
        needed = [k if convention == "output" else k - 1 for k in range(L, 0, -1)]
        layer = rm.simulate_backward(L, S, convention=convention)
        segment = rm.simulate_backward(L, S, convention=convention, rebuild="segment")
        replay(L, S, layer, convention, "layer")
        replay(L, S, segment, convention, "segment")
        assert layer.fwd_per_layer == tuple(j - max(s for s in stored if s <= j) for j in needed)
        assert segment.counts.fwd == sum(j not in stored for j in needed)
        assert segment.counts.fwd <= layer.counts.fwd
        assert layer.counts.loadmem == segment.counts.loadmem == L
        used = {max(s for s in stored if s <= j) for j in needed} - {0}
        assert layer.counts.peak_memory <= len(used) + 1
        assert layer.counts.peak_memory >= len(used)


def test_memory_differs_between_conventions_in_general() -> None:
    S = rm.uniform_checkpoints(11, 5)
    assert rm.simulate_backward(11, S).counts.peak_memory == 3
    assert rm.simulate_backward(11, S, convention="input").counts.peak_memory == 2


def test_disk_scheme() -> None:
    s = rm.disk_backward(4)
    assert s.trace == (
        (4, "loaddisk", 4),
        (3, "loaddisk", 3),
        (2, "loaddisk", 2),
        (1, "loaddisk", 1),
    )
    assert s.fwd_per_layer == (0, 0, 0, 0)


# ----------------------------------------------------------- optimal schedules


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_static_dp_matches_brute_force_over_all_checkpoint_sets(convention) -> None:
    for L in range(1, 11):
        best_by_size: dict[int, int] = {}
        for S in all_subsets(L):
            fwd = rm.simulate_backward(L, S, convention=convention).counts.fwd
            best_by_size[len(S)] = min(best_by_size.get(len(S), fwd), fwd)
        for slots in range(L + 2):
            brute = min(v for size, v in best_by_size.items() if size <= slots)
            cost, chosen = rm.best_static_checkpoints(L, slots, convention=convention)
            assert cost == brute
            assert len(chosen) <= slots
            assert rm.simulate_backward(L, chosen, convention=convention).counts.fwd == cost


def test_static_dp_never_loses_to_uniform_spacing() -> None:
    strict = 0
    for L in range(1, 31):
        for slots in range(L + 1):
            uniform = min(
                rm.uniform_counts(L, c).fwd
                for c in range(1, L + 2)
                if len(rm.uniform_checkpoints(L, c)) <= slots
            )
            best = rm.best_static_checkpoints(L, slots)[0]
            assert best <= uniform
            strict += best < uniform
    assert strict > 0
    assert rm.best_static_checkpoints(6, 2) == (5, frozenset({2, 4}))
    assert rm.uniform_counts(6, 3).fwd == 6


@pytest.mark.parametrize("free_forward", [False, True])
def test_revolve_recursion_matches_exhaustive_search(free_forward) -> None:
    for L in range(1, 8):
        for slots in range(4):
            assert rm.revolve_cost(L, slots, free_forward=free_forward) == rm.revolve_by_search(
                L, slots, free_forward=free_forward
            )


def test_revolve_matches_griewanks_closed_form() -> None:
    for L in range(1, 151):
        for slots in range(6):
            assert rm.revolve_cost(L, slots) == rm.griewank_cost(L, slots + 1)


def test_longest_reversible_chain_is_griewanks_binomial() -> None:
    checked = 0
    for slots in range(5):
        for t in range(8):
            if rm.griewank_beta(slots + 1, t) <= rm.MAX_DP_LAYERS:
                assert rm.revolve_max_layers(slots, t) == math.comb(slots + 1 + t, t)
                checked += 1
    assert checked >= 25


def test_dynamic_checkpoints_never_lose_to_static_ones() -> None:
    for L in range(1, 40):
        for slots in range(6):
            static, _ = rm.best_static_checkpoints(L, slots, convention="input")
            dynamic = rm.revolve_cost(L, slots, free_forward=True)
            assert dynamic <= static
            assert dynamic <= rm.revolve_cost(L, slots)
            if slots:
                assert rm.revolve_cost(L, slots) <= rm.revolve_cost(L, slots - 1)
    assert (
        rm.revolve_cost(10, 1, free_forward=True)
        < rm.best_static_checkpoints(10, 1, convention="input")[0]
    )


def test_griewank_closed_form_is_exact_and_fast_for_huge_chains() -> None:
    L = 10**30
    assert rm.griewank_cost(L, 1) == L * (L - 1) // 2
    t = next(t for t in itertools.count() if math.comb(3 + t, 3) >= 10**6)
    assert rm.griewank_cost(10**6, 3) == t * 10**6 - math.comb(3 + t, 4)


def test_griewank_small_cases() -> None:
    assert rm.griewank_beta(1, 5) == 6
    assert rm.griewank_cost(1, 3) == 0
    assert [rm.griewank_cost(L, 1) for L in range(1, 6)] == [L * (L - 1) // 2 for L in range(1, 6)]


# ------------------------------------------------------------ torch checkpoint


@pytest.mark.parametrize(
    "checkpoints", [set(), {5, 10}, {3}, {1, 2, 3}, {10}, {2, 5, 9}, set(range(1, 11))]
)
def test_torch_checkpoint_matches_plain_backprop_and_the_simulator(checkpoints) -> None:
    run = rm.checkpoint_experiment(10, checkpoints, width=16, batch=8, seed=1)
    assert run.identical
    for a, b in zip(run.plain_gradients, run.checkpoint_gradients, strict=True):
        assert np.array_equal(a, b)
        assert np.any(a != 0)
    assert len(run.plain_gradients) == 20
    assert run.forward_calls == 10
    assert (
        run.recomputed_calls == rm.simulate_backward(10, checkpoints, rebuild="segment").counts.fwd
    )


def test_torch_experiment_is_reproducible() -> None:
    a = rm.checkpoint_experiment(4, {2}, seed=3)
    b = rm.checkpoint_experiment(4, {2}, seed=3)
    c = rm.checkpoint_experiment(4, {2}, seed=4)
    assert all(
        np.array_equal(x, y) for x, y in zip(a.plain_gradients, b.plain_gradients, strict=True)
    )
    assert not np.array_equal(a.plain_gradients[0], c.plain_gradients[0])


# ------------------------------------------------------------------- bad input


BAD_INPUT = [
    (lambda: rm.simulate_backward(0, []), ValueError, "layers must be >= 1"),
    (lambda: rm.simulate_backward(2.0, []), TypeError, "layers must be an integer"),
    (lambda: rm.simulate_backward(True, []), TypeError, "layers"),
    (lambda: rm.simulate_backward(10**4, []), ValueError, "layers must be at most 1000"),
    (lambda: rm.simulate_backward(10, [11]), ValueError, "checkpoints must be layers in 1..10"),
    (lambda: rm.simulate_backward(10, [0]), ValueError, "checkpoints"),
    (lambda: rm.simulate_backward(10, [5, 5]), ValueError, "twice"),
    (lambda: rm.simulate_backward(10, [2.5]), TypeError, "checkpoints entries"),
    (lambda: rm.simulate_backward(10, [True]), TypeError, "checkpoints entries"),
    (lambda: rm.simulate_backward(10, "5"), TypeError, "checkpoints"),
    (lambda: rm.simulate_backward(10, 5), TypeError, "checkpoints"),
    (lambda: rm.simulate_backward(10, [5], convention="middle"), ValueError, "convention"),
    (lambda: rm.simulate_backward(10, [5], rebuild="all"), ValueError, "rebuild"),
    (lambda: rm.disk_backward(-1), ValueError, "layers"),
    (lambda: rm.disk_backward(3, convention=None), ValueError, "convention"),
    (lambda: rm.uniform_counts(10, 0), ValueError, "every must be >= 1"),
    (lambda: rm.uniform_counts(10, 2.0), TypeError, "every"),
    (lambda: rm.uniform_counts(10, 2, rebuild="x"), ValueError, "rebuild"),
    (lambda: rm.uniform_checkpoints(10, -1), ValueError, "every"),
    (lambda: rm.uniform_checkpoints(10**30, 1), ValueError, "uniform_counts"),
    (lambda: rm.griewank_beta(10**9, 10**9), ValueError, "digits"),
    (
        lambda: rm.break_even_loaddisk((20, 10, 0, 2), rm.disk_backward(10).counts),
        TypeError,
        "recompute",
    ),
    (lambda: rm.break_even_loaddisk(rm.uniform_counts(10, 5), None), TypeError, "disk"),
    (
        lambda: rm.break_even_loaddisk(rm.uniform_counts(10, 5), rm.uniform_counts(10, 2)),
        ValueError,
        "same number",
    ),
    (
        lambda: rm.break_even_loaddisk(
            rm.uniform_counts(10, 5), rm.disk_backward(10).counts, t_fwd=0
        ),
        ValueError,
        "t_fwd",
    ),
    (
        lambda: rm.break_even_loaddisk(
            rm.uniform_counts(10, 5), rm.disk_backward(10).counts, t_fwd=-1.5
        ),
        ValueError,
        "t_fwd",
    ),
    (
        lambda: rm.break_even_loaddisk(
            rm.uniform_counts(10, 5), rm.disk_backward(10).counts, t_fwd=float("nan")
        ),
        ValueError,
        "t_fwd",
    ),
    (
        lambda: rm.break_even_loaddisk(
            rm.uniform_counts(10, 5), rm.disk_backward(10).counts, t_loadmem="10"
        ),
        TypeError,
        "t_loadmem",
    ),
    (
        lambda: rm.break_even_loaddisk(
            rm.uniform_counts(10, 5), rm.disk_backward(10).counts, t_loadmem=True
        ),
        TypeError,
        "t_loadmem",
    ),
    (
        lambda: rm.break_even_loaddisk(rm.Counts(100, 0, 5, 0), rm.Counts(0, 0, 1, 0)),
        ValueError,
        "not positive",
    ),
    (lambda: rm.tradeoff_curve(0), ValueError, "layers"),
    (lambda: rm.best_static_checkpoints(10, -1), ValueError, "slots must be >= 0"),
    (lambda: rm.best_static_checkpoints(401, 2), ValueError, "layers must be at most 400"),
    (lambda: rm.best_static_checkpoints(10, 2, convention="both"), ValueError, "convention"),
    (lambda: rm.revolve_cost(10, "2"), TypeError, "slots"),
    (lambda: rm.revolve_cost(10, 1, free_forward="yes"), TypeError, "free_forward"),
    (lambda: rm.revolve_by_search(10, 1), ValueError, "layers must be at most 9"),
    (lambda: rm.revolve_by_search(5, 1, free_forward=1), TypeError, "free_forward"),
    (lambda: rm.griewank_beta(-1, 2), ValueError, "s must be >= 0"),
    (lambda: rm.griewank_beta(1, 1.5), TypeError, "t must be an integer"),
    (lambda: rm.griewank_cost(10, 0), ValueError, "s must be >= 1"),
    (lambda: rm.revolve_max_layers(5, 10), ValueError, "griewank_beta"),
    (lambda: rm.revolve_max_layers(300, 1), ValueError, "MAX_DP_WORK"),
    (lambda: rm.revolve_cost(400, 300), ValueError, "slots = "),
    (lambda: rm.best_static_checkpoints(400, 100), ValueError, "MAX_DP_WORK"),
    (lambda: rm.revolve_max_layers(-1, 1), ValueError, "slots"),
    (lambda: rm.checkpoint_experiment(65, []), ValueError, "layers must be at most 64"),
    (lambda: rm.checkpoint_experiment(4, [5]), ValueError, "checkpoints"),
    (lambda: rm.checkpoint_experiment(4, [], width=0), ValueError, "width"),
    (lambda: rm.checkpoint_experiment(4, [], width=1000), ValueError, "width must be at most"),
    (lambda: rm.checkpoint_experiment(4, [], batch=1000), ValueError, "batch must be at most"),
    (lambda: rm.checkpoint_experiment(4, [], seed=-1), ValueError, "seed"),
    (lambda: rm.checkpoint_experiment(4, [], seed=None), TypeError, "seed"),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), BAD_INPUT, ids=[f"{k}-{m}" for k, (_, _, m) in enumerate(BAD_INPUT)]
)
def test_bad_input_names_the_argument(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


junk = st.one_of(
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(max_value=0),
    st.lists(st.integers(), max_size=2),
)


@given(junk)
@settings(max_examples=60, deadline=None)
def test_junk_layer_counts_are_rejected_by_name(value) -> None:
    for fn in (
        lambda v: rm.simulate_backward(v, []),
        rm.disk_backward,
        lambda v: rm.uniform_counts(v, 1),
        lambda v: rm.best_static_checkpoints(v, 1),
        lambda v: rm.revolve_cost(v, 1),
    ):
        with pytest.raises((TypeError, ValueError), match="layers"):
            fn(value)


@given(st.lists(st.one_of(junk, st.integers(min_value=11)), min_size=1, max_size=3))
@settings(max_examples=60, deadline=None)
def test_junk_checkpoints_are_rejected_by_name(value) -> None:
    with pytest.raises((TypeError, ValueError), match="checkpoints"):
        rm.simulate_backward(10, value)


def test_revolve_max_layers_beyond_the_dp_names_both_arguments() -> None:
    with pytest.raises(ValueError, match=r"slots=1000000000000 and repetitions=3: .*griewank_beta"):
        rm.revolve_max_layers(10**12, 3)


def test_checkpoint_experiment_refuses_seeds_beyond_torch() -> None:
    with pytest.raises(ValueError, match="seed must be <= 18446744073709551615"):
        rm.checkpoint_experiment(4, {2, 4}, seed=2**64)
