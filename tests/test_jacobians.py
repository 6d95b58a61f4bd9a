"""Jacobians vs VJPs of f(x) = u vᵀx: closed forms, torch, sympy, timing helpers, bad input."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
import threadpoolctl
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from dlhw import jacobians


def vectors(n: int, seed: int, count: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=n) for _ in range(count)]


def test_spec_numbers_exactly() -> None:
    v = [1, 2, 3]
    expected = np.array([[1, 2, 3], [2, 4, 6], [3, 6, 9]], dtype=float)
    np.testing.assert_array_equal(jacobians.jacobian(v), expected)
    for method in ("jacrev", "functional"):
        np.testing.assert_array_equal(jacobians.jacobian_by_torch(v, method=method), expected)
    z = np.array([6.0, 12.0, 18.0])
    np.testing.assert_array_equal(jacobians.vjp(v, [1, 1, 1]), z)
    for method in ("vjp", "grad"):
        np.testing.assert_array_equal(jacobians.vjp_by_torch(v, [1, 1, 1], method=method), z)
    np.testing.assert_array_equal(expected.T @ np.ones(3), z)


def test_jacobian_matches_sympy() -> None:
    x = sympy.Matrix(sympy.symbols("x0:4"))
    v = sympy.Matrix([3, -1, 4, 1])
    u = sympy.Matrix([2, 7, -1, 8])
    for out in (v, u):
        J = (out * (v.T * x)).jacobian(x)
        ours = jacobians.jacobian(np.array(v, dtype=float).ravel(), u=np.array(out, float).ravel())
        assert sympy.Matrix(ours.astype(int)) == J
        assert J.is_symmetric() == (out == v)


@given(st.integers(1, 40), st.integers(0, 10**6), st.booleans())
@settings(max_examples=40, deadline=None)
def test_vjp_is_transpose_jacobian_times_y(n: int, seed: int, distinct_u: bool) -> None:
    v, y, u = vectors(n, seed)
    u = u if distinct_u else None
    J = jacobians.jacobian(v, u=u)
    expected = J.T @ y
    np.testing.assert_allclose(jacobians.vjp(v, y, u=u), expected, rtol=1e-12, atol=1e-12)
    for method in ("vjp", "grad"):
        got = jacobians.vjp_by_torch(v, y, u=u, method=method, x=y)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    for method in ("jacrev", "functional"):
        np.testing.assert_allclose(
            jacobians.jacobian_by_torch(v, u=u, method=method), J, rtol=1e-15, atol=0
        )


def test_transposition_matters_when_u_differs_from_v() -> None:
    v, y, u = vectors(5, seed=4)
    J = jacobians.jacobian(v, u=u)
    assert not np.allclose(J, J.T)
    np.testing.assert_allclose(jacobians.vjp(v, y, u=u), J.T @ y)
    assert not np.allclose(jacobians.vjp(v, y, u=u), J @ y)


@given(st.integers(1, 12), st.integers(0, 10**6))
@settings(max_examples=30, deadline=None)
def test_jacobian_matches_central_differences(n: int, seed: int) -> None:
    v, x, u = vectors(n, seed)
    eps = 1e-3  # f is linear: central differences are exact up to rounding
    columns = [
        (jacobians.rank_one_map(v, x + eps * e, u=u) - jacobians.rank_one_map(v, x - eps * e, u=u))
        / (2 * eps)
        for e in np.eye(n)
    ]
    np.testing.assert_allclose(
        np.array(columns).T, jacobians.jacobian(v, u=u), rtol=1e-9, atol=1e-9
    )


def test_rank_one_map_is_v_v_transpose_x() -> None:
    v, x, _ = vectors(6, seed=1)
    np.testing.assert_allclose(jacobians.rank_one_map(v, x), np.outer(v, v) @ x)


# ------------------------------------------------------------------ memory and fits


def test_memory_of_jacobian_is_quadratic() -> None:
    m = jacobians.memory_jacobian([1024, 2048, 4096])
    assert np.all(m.bytes >= 8 * m.n**2)
    assert np.all(m.bytes <= 8 * m.n**2 + 2**18)  # numpy's fixed ufunc buffers
    fit = jacobians.fit_power_law(m.n, m.bytes)
    assert fit.exponent == pytest.approx(2.0, abs=0.02)


def test_memory_of_vjp_is_linear() -> None:
    m = jacobians.memory_vjp([10**4, 10**5, 10**6])
    assert np.all(m.bytes >= 8 * m.n)
    assert np.all(m.bytes <= 8 * m.n + 4096)
    assert jacobians.fit_power_law(m.n, m.bytes).exponent == pytest.approx(1.0, abs=0.01)


def test_peak_memory_keeps_an_outer_trace_running() -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        v = np.ones(300)
        assert jacobians.peak_memory(lambda: np.outer(v, v)) >= 8 * 300**2
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()
    assert not tracemalloc.is_tracing()


@given(
    st.floats(0.5, 3.0),
    st.floats(1e-9, 1e-3),
    st.lists(st.floats(0.01, 0.2), min_size=6, max_size=6),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
@settings(max_examples=40, deadline=None)
def test_power_law_fit_matches_linregress(exponent, prefactor, noise, signs) -> None:
    n = np.array([16, 32, 64, 128, 256, 512])
    log_noise = np.where(signs, noise, -np.array(noise))  # residuals well above rounding
    t = prefactor * n**exponent * np.exp(log_noise)
    fit = jacobians.fit_power_law(n, t)
    ref = stats.linregress(np.log(n), np.log(t))
    assert fit.exponent == pytest.approx(ref.slope, rel=1e-9, abs=1e-12)
    assert fit.prefactor == pytest.approx(np.exp(ref.intercept), rel=1e-9)
    assert fit.stderr == pytest.approx(ref.stderr, rel=1e-6, abs=1e-7)  # collinear noise: both ~0


def test_power_law_fit_is_exact_on_exact_data() -> None:
    n = np.array([10.0, 100.0, 1000.0, 10_000.0])
    fit = jacobians.fit_power_law(n, 5.0 * n**1.5)
    assert fit.exponent == pytest.approx(1.5, rel=1e-12)
    assert fit.prefactor == pytest.approx(5.0, rel=1e-12)
    assert fit.stderr < 1e-12  # scipy's linregress reports ~1e-8 here (it uses sqrt(1 - r²))


# ------------------------------------------------------------------ timing helpers


def test_time_call_limits_threads_and_restores_them() -> None:
    before = torch.get_num_threads()
    seen = []

    def probe() -> None:
        seen.append(
            (torch.get_num_threads(), [p["num_threads"] for p in threadpoolctl.threadpool_info()])
        )

    assert jacobians.time_call(probe, repeats=2, min_seconds=1e-5) > 0
    assert torch.get_num_threads() == before
    assert all(t == 1 and all(b == 1 for b in blas) for t, blas in seen)
    seen.clear()
    jacobians.time_call(probe, repeats=1, min_seconds=1e-5, threads=None)
    assert seen[0][0] == before


def test_time_call_runs_until_the_target_duration() -> None:
    calls = []
    jacobians.time_call(lambda: calls.append(1), repeats=3, min_seconds=1e-4)
    # calibration doubles the count until one run lasts 1e-4 s, then 3 repeats of it
    assert len(calls) >= 3 + 1


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_timings_have_one_entry_per_size(backend: str) -> None:
    for timer in (jacobians.time_jacobian, jacobians.time_vjp):
        t = timer([4, 16, 64], backend=backend, repeats=1, min_seconds=1e-5)
        assert t.n.tolist() == [4, 16, 64]
        assert t.seconds.shape == (3,)
        assert np.all(t.seconds > 0)


def test_overhead_ratio_is_total_over_forward() -> None:
    calls = {"f": 0, "fb": 0}

    def f() -> None:
        calls["f"] += 1

    def fb() -> None:
        calls["fb"] += 1

    o = jacobians.reverse_mode_overhead(f, fb, repeats=2, min_seconds=1e-5)
    assert o.ratio == o.total_seconds / o.forward_seconds
    assert calls["f"] > 0
    assert calls["fb"] > 0


def test_torch_overhead_runs_forward_and_vjp() -> None:
    W = torch.randn(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    seen = []

    def fn(v: torch.Tensor) -> torch.Tensor:
        seen.append(v.requires_grad)
        return torch.tanh(W @ v)

    o = jacobians.torch_reverse_mode_overhead(
        fn,
        torch.ones(8, dtype=torch.float64),
        upstream=torch.ones(8),
        repeats=1,
        min_seconds=1e-5,
    )
    assert o.forward_seconds > 0
    assert o.total_seconds > 0
    assert True in seen
    assert False in seen


# ------------------------------------------------------------------ bad input

BAD_CALLS = [
    (lambda: jacobians.jacobian("abc"), TypeError, "v"),
    (lambda: jacobians.jacobian([]), ValueError, "v"),
    (lambda: jacobians.jacobian([[1.0, 2.0]]), ValueError, "v"),
    (lambda: jacobians.jacobian([1.0, np.nan]), ValueError, "v"),
    (lambda: jacobians.jacobian([True, False]), TypeError, "v"),
    (lambda: jacobians.jacobian([1.0, 2.0], u=[1.0]), ValueError, "u"),
    (lambda: jacobians.jacobian(np.ones(5000)), ValueError, "v has n=5000"),
    (lambda: jacobians.jacobian(np.ones(3), max_n=0), ValueError, "max_n"),
    (lambda: jacobians.vjp([1.0, 2.0], [1.0]), ValueError, "y"),
    (lambda: jacobians.vjp([1.0, 2.0], [1.0, np.inf]), ValueError, "y"),
    (lambda: jacobians.vjp([1.0, 2.0], None), TypeError, "y"),
    (lambda: jacobians.rank_one_map([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, "x"),
    (lambda: jacobians.jacobian_by_torch([1.0], method="jvp"), ValueError, "method"),
    (lambda: jacobians.jacobian_by_torch([1.0, 2.0], x=[1.0]), ValueError, "x"),
    (lambda: jacobians.jacobian_by_torch(np.ones(5000)), ValueError, "v has n=5000"),
    (lambda: jacobians.vjp_by_torch([1.0], [1.0], method="forward"), ValueError, "method"),
    (lambda: jacobians.vjp_by_torch([1.0], [1.0], x=["a"]), TypeError, "x"),
    (lambda: jacobians.time_call(3), TypeError, "fn"),
    (lambda: jacobians.time_call(lambda: None, repeats=0), ValueError, "repeats"),
    (lambda: jacobians.time_call(lambda: None, repeats=1000), ValueError, "repeats"),
    (lambda: jacobians.time_call(lambda: None, repeats=2.0), TypeError, "repeats"),
    (lambda: jacobians.time_call(lambda: None, min_seconds=0), ValueError, "min_seconds"),
    (lambda: jacobians.time_call(lambda: None, min_seconds=100.0), ValueError, "min_seconds"),
    (lambda: jacobians.time_call(lambda: None, threads=0), ValueError, "threads"),
    (lambda: jacobians.time_jacobian([]), TypeError, "ns"),
    (lambda: jacobians.time_jacobian("123"), TypeError, "ns"),
    (lambda: jacobians.time_jacobian([4, 0]), ValueError, "ns"),
    (lambda: jacobians.time_jacobian([4, 2.5]), TypeError, "ns"),
    (lambda: jacobians.time_jacobian([10**5]), ValueError, "ns"),
    (lambda: jacobians.time_vjp([10**8]), ValueError, "ns"),
    (lambda: jacobians.time_vjp([4], backend="jax"), ValueError, "backend"),
    (lambda: jacobians.time_vjp([4], seed="s"), TypeError, "seed"),
    (lambda: jacobians.memory_jacobian([True]), TypeError, "ns"),
    (lambda: jacobians.memory_vjp([4], max_n=2), ValueError, "ns"),
    (lambda: jacobians.peak_memory(None), TypeError, "fn"),
    (lambda: jacobians.fit_power_law([1, 2, 3], [1, 2]), ValueError, "values"),
    (lambda: jacobians.fit_power_law([1, 2, 3], [1, 0, 2]), ValueError, "values"),
    (lambda: jacobians.fit_power_law([1, -2, 3], [1, 1, 2]), ValueError, "n"),
    (lambda: jacobians.fit_power_law([1, 2, 2], [1, 1, 2]), ValueError, "n"),
    (lambda: jacobians.fit_power_law([1, 2, 3], [1, np.nan, 2]), ValueError, "values"),
    (lambda: jacobians.reverse_mode_overhead(lambda: None, 3), TypeError, "forward_and_backward"),
    (lambda: jacobians.reverse_mode_overhead(None, lambda: None), TypeError, "forward"),
    (lambda: jacobians.torch_reverse_mode_overhead(None, torch.ones(2)), TypeError, "fn"),
    (lambda: jacobians.torch_reverse_mode_overhead(torch.sin, np.ones(2)), TypeError, "x"),
    (
        lambda: jacobians.torch_reverse_mode_overhead(torch.sin, torch.ones(2, dtype=int)),
        TypeError,
        "x",
    ),
    (
        lambda: jacobians.torch_reverse_mode_overhead(torch.sin, torch.tensor([np.nan])),
        ValueError,
        "x",
    ),
    (lambda: jacobians.torch_reverse_mode_overhead(lambda v: 1.0, torch.ones(2)), TypeError, "fn"),
    (
        lambda: jacobians.torch_reverse_mode_overhead(
            torch.sin, torch.ones(2), upstream=torch.ones(3)
        ),
        ValueError,
        "upstream",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "name"), BAD_CALLS, ids=[f"{i}-{n}" for i, (_, _, n) in enumerate(BAD_CALLS)]
)
def test_bad_input_names_the_argument(call, error, name) -> None:
    with pytest.raises(error, match=rf"^{name}\b"):
        call()


bad_vectors = st.one_of(
    st.just([np.nan, 1.0]),
    st.just([np.inf, 1.0]),
    st.just("vector"),
    st.just(None),
    st.just([True, False]),
    st.just([]),
    st.just([[1.0, 2.0]]),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=3, max_size=5),
)


@given(bad_vectors)
@settings(max_examples=40, deadline=None)
def test_bad_cotangents_are_rejected_by_name(y) -> None:
    for call in (jacobians.vjp, jacobians.vjp_by_torch):
        with pytest.raises((TypeError, ValueError), match=r"^y\b"):
            call([1.0, 2.0], y)


@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_operation_counts_of_jacobian_and_vjp(n: int) -> None:
    v, y, _ = vectors(n, n)
    count, J = jacobians.count_operations(np.outer, v, v)
    assert count == jacobians.OperationCount(n * n, 0)
    np.testing.assert_array_equal(J.astype(float), jacobians.jacobian(v))
    count, z = jacobians.count_operations(lambda a, b: a * (a @ b), v, y)
    assert count == jacobians.OperationCount(2 * n, n - 1)
    np.testing.assert_allclose(z.astype(float), jacobians.vjp(v, y), rtol=1e-14)


def test_operation_counts_of_matmul_and_exactness() -> None:
    A, B = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    count, C = jacobians.count_operations(lambda a, b: a @ b, A, B)
    assert count == jacobians.OperationCount(2 * 3 * 4, 2 * 2 * 4)
    assert (C == A @ B).all()
    count, d = jacobians.count_operations(lambda a: a - 0.1 - (-a), np.array(0.5))
    assert count == jacobians.OperationCount(0, 2)
    assert d[()] == Fraction(0.5) * 2 - Fraction(0.1)


def test_operation_counts_bad_input() -> None:
    with pytest.raises(TypeError, match="callable"):
        jacobians.count_operations(3, [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        jacobians.count_operations(np.outer)
    with pytest.raises(TypeError, match="real numbers"):
        jacobians.count_operations(np.outer, ["a"], [1])
    with pytest.raises(ValueError, match="finite"):
        jacobians.count_operations(lambda a: a, [np.inf])
    with pytest.raises(TypeError, match="only"):
        jacobians.count_operations(lambda a: np.zeros(2), [1.0])
    with pytest.raises(TypeError):
        jacobians.count_operations(lambda a: a / 2, [1.0])


# ------------------------------------------------------------------ fuzz findings

HUGE = 1e200


OVERFLOWS = [
    (lambda: jacobians.rank_one_map([HUGE, 1.0], [1.0, 1.0]), "v and x"),
    (lambda: jacobians.rank_one_map([1.0, 1.0], [HUGE, 1.0], u=[HUGE, HUGE]), "v, u and x"),
    (lambda: jacobians.jacobian([HUGE, 2.0]), "v"),
    (lambda: jacobians.jacobian([HUGE, 1.0], u=[HUGE, 1.0]), "v and u"),
    (lambda: jacobians.vjp([HUGE, 2.0], [1.0, 1.0]), "v and y"),
    (lambda: jacobians.vjp([1.0, 2.0], [HUGE, HUGE], u=[HUGE, 1.0]), "v, u and y"),
    (lambda: jacobians.jacobian_by_torch([HUGE, 2.0]), "v"),
    (lambda: jacobians.vjp_by_torch([HUGE, 2.0], [1.0, 1.0]), "v and y"),
    (lambda: jacobians.vjp_by_torch([HUGE, 2.0], [1.0, 1.0], method="grad"), "v and y"),
]


@pytest.mark.parametrize(
    ("call", "names"), OVERFLOWS, ids=[f"{i}-{n}" for i, (_, n) in enumerate(OVERFLOWS)]
)
def test_overflowing_products_are_refused_by_name(call, names) -> None:
    """Entries of size 1e200 are valid floats, but their products leave float64."""
    with pytest.raises(ValueError, match=rf"^{names} out of range: .* overflows float64"):
        call()


def test_large_but_representable_results_pass() -> None:
    v = np.array([1e150, 2.0])
    J = jacobians.jacobian(v)
    assert np.all(np.isfinite(J))
    assert J[0, 0] == 1e150 * 1e150
    np.testing.assert_array_equal(jacobians.vjp(v, [1e-150, 0.0]), [1e150, 2.0])


@pytest.mark.parametrize("threads", [10**4, 10**12, 10**30, 10**400])
def test_time_call_refuses_huge_thread_counts(threads: int) -> None:
    before = torch.get_num_threads()
    with pytest.raises(ValueError, match=r"^threads must be <= 1024 \(dlhw.jacobians.MAX_THREADS"):
        jacobians.time_call(lambda: None, threads=threads)
    assert torch.get_num_threads() == before
    assert jacobians.time_call(lambda: None, repeats=1, min_seconds=1e-5, threads=2) > 0


@pytest.mark.parametrize(
    "function",
    [jacobians.time_jacobian, jacobians.time_vjp, jacobians.memory_jacobian, jacobians.memory_vjp],
)
@pytest.mark.parametrize("huge", [2**63, 10**30, 10**400], ids=["2**63", "10**30", "10**400"])
def test_sizes_beyond_int64_are_refused_by_name(function, huge: int) -> None:
    with pytest.raises(ValueError, match=r"^ns holds n=about 10\^\d+, which needs .* max_n="):
        function([4, huge])


def test_size_message_keeps_small_numbers_exact() -> None:
    with pytest.raises(
        ValueError, match=r"^ns holds n=5000, which needs an n x n Jacobian of 191 "
    ):
        jacobians.time_jacobian([5000])


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_power_law_fit_refuses_a_prefactor_out_of_range(scale: float) -> None:
    n = np.array([16.0, 32.0, 64.0, 128.0])
    with pytest.raises(ValueError, match=r"^n and values are out of range: the prefactor"):
        jacobians.fit_power_law(n * scale, 1e-6 * n**2)


def test_power_law_fit_of_rescaled_sizes_keeps_the_exponent() -> None:
    n = np.array([16.0, 32.0, 64.0, 128.0])
    fit = jacobians.fit_power_law(n * 1e-3, 1e-6 * n**2)
    assert fit.exponent == pytest.approx(2.0, rel=1e-12)
    assert fit.prefactor == pytest.approx(1.0, rel=1e-9)
