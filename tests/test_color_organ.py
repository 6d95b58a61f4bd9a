"""The colour organ: filters, three derivatives, the balance point, gradient descent, bad input."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from dlhw import color_organ as co

ORGAN = co.Organ()
F = ORGAN.frequencies()
C = ORGAN.capacitance
KINDS = ("low", "high", "band")

resistance = st.floats(1.0, 5000.0)
frequency = st.floats(1.0, 1e5)


def sympy_functions(kind: str):
    """|H| and each ∂|H|/∂R_j from sympy, evaluated in 40-digit mpmath, returned as floats.

    sympy's derivative is the unsimplified product rule, whose terms cancel in the stop
    band; evaluating it in high precision makes it an exact reference for float64.
    """
    H = co.symbolic_magnitude(kind)
    f, cap = sp.symbols("f C", positive=True)
    Rs = sorted(H.free_symbols - {f, cap}, key=str)
    args = (f, cap, *Rs)
    exprs = [H] + [sp.diff(H, R) for R in Rs]
    funcs = [sp.lambdify(args, e, "mpmath") for e in exprs]

    def evaluate(k: int, freqs: np.ndarray, capacitance: float, *resistors: float) -> np.ndarray:
        with mpmath.workdps(40):
            return np.array(
                [
                    float(
                        funcs[k](
                            mpmath.mpf(x), mpmath.mpf(capacitance), *map(mpmath.mpf, resistors)
                        )
                    )
                    for x in freqs
                ]
            )

    value = lambda *a: evaluate(0, *a)
    grads = [lambda *a, k=k: evaluate(k, *a) for k in range(1, len(funcs))]
    return value, grads


# ------------------------------------------------------------ the filter formulas


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
@settings(max_examples=40, deadline=None)
def test_three_derivatives_agree_in_float64(kind: str, data: st.DataObject) -> None:
    k = co.N_RESISTORS[kind]
    R = np.array([data.draw(resistance) for _ in range(k)])
    f = np.array(sorted(data.draw(st.lists(frequency, min_size=1, max_size=6))))
    value, grads = sympy_functions(kind)
    closed = co.magnitude_gradient(kind, f, R, C)
    autograd = co.autograd_gradient(kind, f, R, C)
    symbolic = np.stack([g(f, C, *R) for g in grads], axis=-1)
    np.testing.assert_allclose(closed, symbolic, rtol=1e-13, atol=0)
    # autograd applies the product rule: two terms, each at most 2πfC, whose difference is
    # the (much smaller) derivative in the stop band; so its rounding error is a few ulps
    # of 2πfC, not of the result
    scale = (2 * np.pi * f * C)[:, None]
    assert np.all(np.abs(autograd - symbolic) <= 1e-12 * np.abs(symbolic) + 1e-14 * scale)
    np.testing.assert_allclose(co.magnitude(kind, f, R, C), value(f, C, *R), rtol=1e-13)


@pytest.mark.parametrize("kind", KINDS)
def test_autograd_matches_central_differences(kind: str) -> None:
    R = co.Organ().resistors(kind) * 1.3
    grad = co.autograd_gradient(kind, F, R, C)
    for j in range(R.size):
        h = 1e-4 * R[j]
        up, down = R.copy(), R.copy()
        up[j] += h
        down[j] -= h
        fd = (co.magnitude(kind, F, up, C) - co.magnitude(kind, F, down, C)) / (2 * h)
        np.testing.assert_allclose(grad[:, j], fd, rtol=1e-6, atol=1e-12)


def test_torch_and_numpy_responses_agree_batched() -> None:
    R = co.random_resistors("organ", 5, seed=3)
    numpy_H = co.magnitude("organ", F, R, C)
    torch_H = co.magnitude_torch("organ", torch.from_numpy(F), torch.from_numpy(R), C)
    assert numpy_H.shape == (5, 3, F.size)
    np.testing.assert_allclose(torch_H.numpy(), numpy_H, rtol=1e-14)
    # the organ's rows are the three single filters
    np.testing.assert_allclose(numpy_H[:, 0], co.magnitude("low", F, R[:, :1], C))
    np.testing.assert_allclose(numpy_H[:, 1], co.magnitude("band", F, R[:, 1:3], C))
    np.testing.assert_allclose(numpy_H[:, 2], co.magnitude("high", F, R[:, 3:], C))


@given(R=resistance, cap=st.floats(1e-9, 1e-3))
@settings(max_examples=50, deadline=None)
def test_cutoff_is_the_half_power_point(R: float, cap: float) -> None:
    fc = float(co.cutoff_frequency(R, cap))
    for kind in ("low", "high"):
        assert co.magnitude(kind, [fc], [R], cap)[0] == pytest.approx(2**-0.5, rel=1e-12)
    assert float(co.resistance_for_cutoff(fc, cap)) == pytest.approx(R, rel=1e-12)
    # band-pass = buffered product: at the geometric mean of its edges both stages agree
    R2 = R / 4
    mid = float(np.sqrt(fc * co.cutoff_frequency(R2, cap)))
    x1, x2 = 2 * np.pi * mid * R * cap, 2 * np.pi * mid * R2 * cap
    expected = x1 / np.sqrt(1 + x1**2) / np.sqrt(1 + x2**2)
    assert co.magnitude("band", [mid], [R, R2], cap)[0] == pytest.approx(expected, rel=1e-12)


def test_cutoff_formula_solves_half_power_symbolically() -> None:
    f, cap, R = sp.symbols("f C R", positive=True)
    H = co.symbolic_magnitude("low")
    (root,) = sp.solve(sp.Eq(H**2, sp.Rational(1, 2)), f)
    assert sp.simplify(root - 1 / (2 * sp.pi * R * cap)) == 0
    # and the low- and high-pass powers are complementary: |H_lp|² + |H_hp|² = 1
    assert sp.simplify(H**2 + co.symbolic_magnitude("high") ** 2 - 1) == 0


def test_symbolic_derivative_closed_form() -> None:
    f, cap, R = sp.symbols("f C R", positive=True)
    x = 2 * sp.pi * f * R * cap
    claimed = -2 * sp.pi * f * cap * x / (1 + x**2) ** sp.Rational(3, 2)
    assert sp.simplify(sp.diff(co.symbolic_magnitude("low"), R) - claimed) == 0
    wrong = -2 * sp.pi * f * cap * x / (1 + x**2)
    assert sp.simplify(sp.diff(co.symbolic_magnitude("low"), R) - wrong) != 0


# ----------------------------------------------------------- labels and balance


def test_organ_labels_are_one_hot_and_match_cutoffs() -> None:
    Y = co.labels("organ", F)
    assert Y.shape == (3, F.size)
    assert np.array_equal(Y.sum(axis=0), np.ones(F.size, dtype=int))
    f_low, f_high = ORGAN.cutoffs()
    assert np.array_equal(Y[0], np.less(F, f_low).astype(int))
    assert np.array_equal(Y[2], np.greater(F, f_high).astype(int))
    for kind, row in (("low", 0), ("band", 1), ("high", 2)):
        assert np.array_equal(co.labels(kind, F), Y[row])


def test_pair_gradient_power_vanishes_mse_does_not() -> None:
    x = sp.Symbol("x", positive=True)
    assert sp.simplify(co.symbolic_pair_gradient("power")) == 0
    naive = co.symbolic_pair_gradient("mse")
    assert sp.solve(sp.Eq(naive, 0), x) == [1 / sp.sqrt(3)]
    for value in (0.7, 1.0, 2.0, 10.0, 1000.0):
        assert naive.subs(x, value) < 0
    assert naive.subs(x, sp.Rational(1, 2)) > 0


@given(
    fc=st.floats(50.0, 5000.0),
    decades=st.floats(1.0, 4.0),
    ppd=st.integers(3, 40),
    kind=st.sampled_from(["low", "high"]),
)
@settings(max_examples=40, deadline=None)
def test_power_loss_balances_exactly_on_symmetric_grids(
    fc: float, decades: float, ppd: int, kind: str
) -> None:
    R_true = float(co.resistance_for_cutoff(fc, C))
    grid = co.symmetric_grid(fc, decades=decades, points_per_decade=ppd)
    y = np.where(grid < fc, 1, 0) if kind == "low" else np.where(grid > fc, 1, 0)
    grad = co.loss_gradient(kind, grid, y, [R_true], loss="power", capacitance=C)
    # the pair terms cancel: zero up to rounding, relative to one sample's share
    scale = np.abs(co.per_sample_gradients(kind, grid, y, [R_true], loss="power")).max()
    assert abs(grad[0]) <= 1e-12 * scale * grid.size
    naive = co.loss_gradient(kind, grid, y, [R_true], loss="mse", capacitance=C)
    assert naive[0] < 0 if kind == "low" else naive[0] > 0  # the naive fit is pushed away


def test_balance_hypotheses_are_needed() -> None:
    R_true, fc = 400.0, float(co.cutoff_frequency(400.0))
    grid = co.symmetric_grid(fc)
    y = (grid < fc).astype(int)
    exact = co.balance_point("low", grid, y, loss="power")
    assert exact == pytest.approx(R_true, rel=1e-10)
    # a sample exactly at the cutoff (labelled on) breaks the balance
    with_centre = np.sort(np.append(grid, fc))
    shifted = co.balance_point("low", with_centre, (with_centre <= fc).astype(int), loss="power")
    assert abs(shifted / R_true - 1) > 1e-4
    # an asymmetric grid (the organ's audio grid) leaves a small bias
    audio = co.balance_point("low", F, co.labels("low", F), loss="power")
    assert 1e-3 < abs(audio / R_true - 1) < 0.05
    # the naive loss is biased on both grids, towards a larger resistor (lower cutoff)
    assert co.balance_point("low", grid, y, loss="mse") > 1.5 * R_true
    assert co.balance_point("low", F, co.labels("low", F), loss="mse") > 1.5 * R_true


@pytest.mark.parametrize("kind", ["low", "high"])
def test_label_interval_reproduces_the_labels(kind: str) -> None:
    y = co.labels(kind, F)
    lo, hi = co.label_interval(kind, F, y)
    fit_labels = {
        R: (co.magnitude(kind, F, [R]) >= 2**-0.5).astype(int) for R in np.linspace(lo, hi, 7)[1:-1]
    }
    assert all(np.array_equal(v, y) for v in fit_labels.values())
    for R in (lo * 0.99, hi * 1.01):
        assert not np.array_equal((co.magnitude(kind, F, [R]) >= 2**-0.5).astype(int), y)
    assert lo < ORGAN.resistors(kind)[0] <= hi or lo <= ORGAN.resistors(kind)[0] < hi


# ------------------------------------------------------------------ descent


@pytest.mark.parametrize(("kind", "lr"), [("low", 2e6), ("high", 5e4), ("band", 5e4)])
def test_supervised_fit_recovers_true_resistors(kind: str, lr: float) -> None:
    target = co.magnitude(kind, F, ORGAN.resistors(kind))
    init = co.random_resistors(kind, 4, low=100.0, high=1000.0, seed=2)
    out = co.fit(kind, F, target, init, co.FitSettings(lr=lr, steps=5000), record=False)
    assert all(co.OUTCOMES[k] == "converged" for k in out["outcome"])
    np.testing.assert_allclose(out["final"], np.tile(ORGAN.resistors(kind), (4, 1)), rtol=1e-4)


@pytest.mark.parametrize(
    ("kind", "loss", "lr"),
    [("low", "mse", 1e6), ("low", "power", 1e6), ("high", "mse", 3e4), ("high", "power", 3e4)],
)
def test_descent_ends_at_the_root_finding_balance_point(kind: str, loss: str, lr: float) -> None:
    y = co.labels(kind, F)
    out = co.fit(kind, F, y, [500.0], co.FitSettings(lr=lr, steps=5000), loss=loss)
    root = co.balance_point(kind, F, y, loss=loss)
    assert co.OUTCOMES[int(out["outcome"][0])] == "converged"
    assert float(out["final"][0, 0]) == pytest.approx(root, rel=1e-6)


def test_descent_step_is_lr_times_autograd_gradient() -> None:
    target = co.magnitude("band", F, ORGAN.resistors("band"))
    conf = co.FitSettings(lr=1e5, steps=5, loss_tol=0.0, grad_tol=0.0)
    out = co.fit("band", F, target, [900.0, 900.0], conf)
    R, grad = out["R"], out["grad"]
    np.testing.assert_allclose(R[1:], R[:-1] - 1e5 * grad[:-1], rtol=1e-14)
    # the recorded gradient is the closed-form loss gradient
    for t in range(5):
        np.testing.assert_allclose(grad[t], co.loss_gradient("band", F, target, R[t]), rtol=1e-10)


def test_per_sample_gradients_sum_to_the_total() -> None:
    for kind in KINDS:
        y = co.labels(kind, F)
        R = ORGAN.resistors(kind) * 1.2
        for loss in ("mse", "power"):
            parts = co.per_sample_gradients(kind, F, y, R, loss=loss)
            total = co.loss_gradient(kind, F, y, R, loss=loss)
            np.testing.assert_allclose(parts.sum(axis=0), total, rtol=1e-10)


def test_batched_runs_are_independent() -> None:
    target = co.magnitude("low", F, [400.0])
    conf = co.FitSettings(lr=1e6, steps=200)
    together = co.fit("low", F, target, [[100.0], [900.0]], conf)
    for j, start in enumerate((100.0, 900.0)):
        alone = co.fit("low", F, target, [start], conf)
        np.testing.assert_array_equal(together["R"][:, j], alone["R"][:, 0])


def test_convergence_sweep_classifies_runs() -> None:
    target = co.magnitude("low", F, [400.0])
    out = co.convergence_sweep(
        "low", F, target, [50.0, 400.5, 900.0], [1e4, 2e6, 1e9],
        settings=co.FitSettings(steps=6000),
    )  # fmt: skip
    names = np.array(co.OUTCOMES)[out["outcome"]]
    assert (names[:, 0] == "converged").all()
    assert (names[:, 1] == "converged").all()
    assert (names[:, 2] != "converged").all()  # overshoot: below 0 (diverged) or onto the plateau
    assert "diverged" in names[:, 2]
    assert (out["stopped_at"][:, 1] < out["stopped_at"][:, 0]).all()  # larger safe step: faster
    np.testing.assert_allclose(out["final"][:, :2, 0], 400.0, rtol=1e-4)
    # a step just above 2 / curvature is unstable near the solution
    curvature = float(np.mean(2 * co.magnitude_gradient("low", F, [400.0])[:, 0] ** 2))
    unstable = co.convergence_sweep(
        "low", F, target, [401.0], [2.2 / curvature], settings=co.FitSettings(steps=500)
    )
    assert co.OUTCOMES[int(unstable["outcome"][0, 0])] != "converged"


def test_organ_joint_fit_is_single_fits_at_a_third_of_the_step() -> None:
    Y = co.labels("organ", F)
    init = np.array([500.0, 600.0, 150.0, 120.0])
    lr = 6e4
    conf = co.FitSettings(lr=lr, steps=60, loss_tol=0.0, grad_tol=0.0)
    joint = co.fit("organ", F, Y, init, conf, loss="power")
    third = co.FitSettings(lr=lr / 3, steps=60, loss_tol=0.0, grad_tol=0.0)
    for row, (kind, cols) in enumerate([("low", [0]), ("band", [1, 2]), ("high", [3])]):
        alone = co.fit(kind, F, Y[row], init[cols], third, loss="power")
        np.testing.assert_allclose(joint["R"][:, 0, cols], alone["R"][:, 0], rtol=1e-10)


def test_bode_fit_matches_scipy_and_recovers_exact_corners() -> None:
    exact = co.fit_bode(F, co.bode_db(F, [2.5, 3.4]), (2.0, 4.0))
    np.testing.assert_allclose(exact["final"][0], [2.5, 3.4], atol=1e-6)
    db = 20 * np.log10(co.magnitude("band", F, ORGAN.resistors("band")))
    fitted = co.fit_bode(F, db, (2.0, 4.0))
    res = minimize(
        lambda th: float(np.mean((co.bode_db(F, th) - db) ** 2)), [2.0, 4.0],
        method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14},
    )  # fmt: skip
    np.testing.assert_allclose(fitted["final"][0], res.x, atol=1e-6)
    lo, hi = fitted["cutoffs"][0]
    f_low, f_high = ORGAN.cutoffs()
    assert f_low < lo < hi < f_high  # the asymptotes' corners move inside the band


def test_grad_fn_chain_lists_the_operations() -> None:
    R = torch.tensor([[400.0, 80.0]], dtype=torch.float64, requires_grad=True)
    H = co.magnitude_torch("band", torch.from_numpy(F), R)
    loss = ((H - 0.5) ** 2).mean()
    text = co.grad_fn_chain(loss, names={id(R): "R"})
    lines = text.splitlines()
    assert lines[0] == "MeanBackward0"
    for op in ("PowBackward0", "SubBackward0", "MulBackward0", "DivBackward0", "AddBackward0"):
        assert op in text
    assert "AccumulateGrad (R, shape (1, 2))" in text
    assert "(see above)" in text  # the two stages share their input: a DAG, not a tree
    assert all(line.startswith("  ") for line in lines[1:])


def test_descent_is_reproducible_and_does_not_change_threads() -> None:
    threads = torch.get_num_threads()
    init = co.random_resistors("band", 3, seed=7)
    assert np.array_equal(init, co.random_resistors("band", 3, seed=7))
    target = co.magnitude("band", F, ORGAN.resistors("band"))
    a = co.fit("band", F, target, init, co.FitSettings(lr=5e4, steps=50))
    b = co.fit("band", F, target, init, co.FitSettings(lr=5e4, steps=50))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert torch.get_num_threads() == threads


# ------------------------------------------------------------------ bad input

T = co.magnitude("low", F, [400.0])
BAD_INPUT = [
    (lambda: co.magnitude("mid", F, [1.0]), ValueError, "kind"),
    (lambda: co.magnitude("low", F, [1.0, 2.0]), ValueError, "resistors"),
    (lambda: co.magnitude("low", F, [-1.0]), ValueError, "resistors"),
    (lambda: co.magnitude("low", [0.0, 1.0], [1.0]), ValueError, "f must"),
    (lambda: co.magnitude("low", [[1.0]], [1.0]), ValueError, "f must"),
    (lambda: co.magnitude("low", [np.nan], [1.0]), ValueError, "f must"),
    (lambda: co.magnitude("low", "abc", [1.0]), TypeError, "f must"),
    (lambda: co.magnitude("low", F, [True]), TypeError, "resistors"),
    (lambda: co.magnitude("low", F, [1.0], capacitance=0.0), ValueError, "capacitance"),
    (lambda: co.magnitude("low", F, [1.0], capacitance=True), TypeError, "capacitance"),
    (lambda: co.magnitude("low", F, np.ones((10**6, 1))), ValueError, "MAX_VALUES"),
    (lambda: co.magnitude_torch("low", F, torch.ones(1)), TypeError, "f must"),
    (lambda: co.magnitude_torch("low", torch.ones(2), torch.ones(2)), ValueError, "resistors"),
    (
        lambda: co.magnitude_torch("low", torch.ones(2), torch.ones(1, dtype=torch.int64)),
        TypeError,
        "resistors",
    ),
    (lambda: co.magnitude_torch("low", torch.zeros(2), torch.ones(1)), ValueError, "f must"),
    (lambda: co.magnitude_gradient("organ", F, [1.0] * 4), ValueError, "kind"),
    (lambda: co.cutoff_frequency(0.0), ValueError, "R must"),
    (lambda: co.cutoff_frequency("1"), TypeError, "R must"),
    (lambda: co.resistance_for_cutoff(-3.0), ValueError, "f_c"),
    (lambda: co.symbolic_magnitude("organ"), ValueError, "kind"),
    (lambda: co.labels("low", [-1.0]), ValueError, "f must"),
    (lambda: co.symmetric_grid(0.0), ValueError, "f_c"),
    (lambda: co.symmetric_grid(100.0, decades=1e9), ValueError, "points"),
    (lambda: co.symmetric_grid(100.0, points_per_decade=0), ValueError, "points_per_decade"),
    (lambda: co.loss_surface("low", F, T[:-1], [[1.0]]), ValueError, "target must have shape"),
    (lambda: co.loss_surface("low", F, T + 2, [[1.0]]), ValueError, r"target must hold"),
    (lambda: co.loss_surface("low", F, T, [[1.0]], loss="l1"), ValueError, "loss"),
    (lambda: co.per_sample_gradients("low", F, T, [[1.0], [2.0]]), ValueError, "one point"),
    (lambda: co.balance_point("band", F, T), ValueError, "kind"),
    (lambda: co.balance_point("low", F, T, bracket=(500.0, 600.0)), ValueError, "sign change"),
    (lambda: co.balance_point("low", F, T, bracket=(600.0, 500.0)), ValueError, "a < b"),
    (lambda: co.balance_point("low", F, T, bracket=[1.0, 2.0]), TypeError, "bracket"),
    (lambda: co.label_interval("low", F, T), ValueError, "0/1"),
    (lambda: co.label_interval("low", F, 1 - co.labels("low", F)), ValueError, "switch once"),
    (lambda: co.label_interval("band", F, T), ValueError, "kind"),
    (lambda: co.random_resistors("low", 0), ValueError, "runs"),
    (lambda: co.random_resistors("low", 2, low=5.0, high=5.0), ValueError, "low must"),
    (lambda: co.fit("low", F, T, [0.0]), ValueError, "init"),
    (lambda: co.fit("low", F, T, [[1.0, 2.0]]), ValueError, "init"),
    (lambda: co.fit("low", F, T, [1.0], settings=0.1), TypeError, "settings"),
    (
        lambda: co.fit("low", F, T, np.ones((10**5, 1)), co.FitSettings(steps=1000)),
        ValueError,
        "MAX_WORK",
    ),
    (
        lambda: co.fit("low", F, T, np.ones((10**4, 1)), co.FitSettings(steps=3000)),
        ValueError,
        "MAX_HISTORY",
    ),
    (lambda: co.convergence_sweep("low", F, T, [1.0], [0.0]), ValueError, "lrs"),
    (lambda: co.convergence_sweep("band", F, T, [1.0], [1.0]), ValueError, "inits"),
    (lambda: co.FitSettings(lr=-1.0), ValueError, "lr"),
    (lambda: co.FitSettings(steps=1.5), TypeError, "steps"),
    (lambda: co.FitSettings(loss_tol=np.nan), ValueError, "loss_tol"),
    (lambda: co.Organ(r_low=50.0), ValueError, "r_low must exceed"),
    (lambda: co.Organ(n_freq=1), ValueError, "n_freq"),
    (lambda: co.Organ(f_max=10.0), ValueError, "f_max"),
    (lambda: co.bode_db(F, [1.0]), ValueError, "log10_cutoffs"),
    (lambda: co.fit_bode(F, F[:-1]), ValueError, "db_target"),
    (lambda: co.fit_bode(F, F, init=(1.0, 2.0, 3.0)), ValueError, "init"),
    (lambda: co.grad_fn_chain(np.ones(2)), TypeError, "tensor"),
    (lambda: co.grad_fn_chain(torch.ones(2)), ValueError, "grad_fn"),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), BAD_INPUT, ids=[f"{k}-{m}" for k, (_, _, m) in enumerate(BAD_INPUT)]
)
def test_bad_input_names_the_argument(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


@given(
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not v > 0 or v == np.inf),
        st.booleans(),
        st.text(max_size=3),
        st.none(),
    )
)
@settings(max_examples=60, deadline=None)
def test_bad_capacitance_and_step_sizes_rejected(value: object) -> None:
    with pytest.raises((ValueError, TypeError), match="capacitance"):
        co.magnitude("low", F, [1.0], capacitance=value)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match="lr"):
        co.FitSettings(lr=value)  # type: ignore[arg-type]


@given(
    R=st.one_of(
        st.just([np.nan]), st.just([np.inf]), st.just([-1.0]), st.just([]),
        st.just("400"), st.just([[1.0, 2.0]]), st.just([True]),
        st.lists(st.floats(max_value=-1e-9, allow_nan=False), min_size=1, max_size=1),
    )
)  # fmt: skip
@settings(max_examples=30, deadline=None)
def test_bad_resistors_rejected(R: object) -> None:
    with pytest.raises((ValueError, TypeError), match="resistors"):
        co.magnitude("low", F, R)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match="resistors"):
        co.autograd_gradient("low", F, R)  # type: ignore[arg-type]


def test_diverging_run_is_reported_not_hidden() -> None:
    out = co.fit(
        "high", F, co.magnitude("high", F, [80.0]), [300.0], co.FitSettings(lr=1e8, steps=50)
    )
    assert co.OUTCOMES[int(out["outcome"][0])] == "diverged"
    assert out["stopped_at"][0] >= 1
