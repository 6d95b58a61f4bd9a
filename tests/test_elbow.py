"""The ReLU elbow under one SGD step: sympy closed forms vs exact steps vs torch, case analysis."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlhw import elbow

rationals = st.fractions(min_value=-5, max_value=5, max_denominator=12)
positive_rates = st.fractions(min_value=Fraction(1, 50), max_value=3, max_denominator=50)
reals = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


def sign(q) -> int:
    return (q > 0) - (q < 0)


# ------------------------------------------------------------------ closed forms


def test_symbolic_shift_identity_and_the_g_equals_one_case() -> None:
    s = elbow.symbolic_unit_step()
    assert sympy.simplify(s.elbow_new - s.elbow - s.shift) == 0
    e = -s.b / s.w
    spec = s.lr * (1 + e * s.x) / (s.w - s.lr * s.x)
    assert sympy.simplify(s.shift.subs(s.g, 1) - spec) == 0
    # the same shift written without e: λ g (w − b x) / (w (w − λ g x))
    assert sympy.simplify(s.shift - s.lr * s.g * (s.w - s.b * s.x) / (s.w * s.w_new)) == 0


def test_symbolic_identity_rejects_a_wrong_closed_form() -> None:
    s = elbow.symbolic_unit_step()
    wrong = s.lr * (1 - s.elbow * s.x) / (s.w - s.lr * s.x)  # sign slip in 1 + e x
    assert sympy.simplify((s.elbow_new - s.elbow).subs(s.g, 1) - wrong) != 0


@given(rationals, rationals, rationals, rationals, positive_rates)
@settings(max_examples=200, deadline=None)
def test_exact_step_matches_closed_form(w, b, x, y, lr) -> None:
    step = elbow.exact_unit_step(w, b, x, y, lr)
    if not step.active:
        assert (step.w_new, step.b_new) == (w, b)
        assert step.shift in (None, 0)
        return
    assume(w != 0)
    assume(step.w_new != 0)
    s = elbow.symbolic_unit_step()
    values = {s.w: w, s.b: b, s.x: x, s.g: step.g, s.lr: lr}
    closed = s.shift.subs(
        {k: sympy.Rational(v.numerator, v.denominator) for k, v in values.items()}
    )
    assert Fraction(int(closed.p), int(closed.q)) == step.shift
    assert step.g == w * x + b - y


@given(reals, reals, reals, reals, st.floats(0.01, 2.0))
@settings(max_examples=200, deadline=None)
def test_numeric_closed_form_matches_torch_step(w, b, x, y, lr) -> None:
    assume(abs(w) > 1e-2)
    assume(abs(w * x + b) > 1e-6)  # away from the kink, where float and exact activity agree
    g = max(w * x + b, 0.0) - y
    w_new, b_new = elbow.torch_unit_step(w, b, x, y, lr)
    assume(abs(w_new) > 1e-2)
    shift_torch = -b_new / w_new + b / w
    np.testing.assert_allclose(elbow.elbow_shift(w, b, x, g, lr), shift_torch, rtol=1e-9, atol=1e-9)
    grads = elbow.unit_gradients(w, b, x, y)
    ours = elbow.unit_step(w, b, x, y, lr)
    for p, grad, new, theirs in zip(
        (w, b), (grads.dw, grads.db), ours, (w_new, b_new), strict=True
    ):
        # the same update rounded in another order: a few ulp of |p| + |λ∇p| apart
        assert abs(new - theirs) <= 8 * np.spacing(abs(p) + abs(lr * grad))


def test_torch_steps_are_batched_per_configuration() -> None:
    rng = np.random.default_rng(0)
    w, b, x, y = rng.normal(size=(4, 50))
    W, B = elbow.torch_unit_step(w, b, x, y, 0.3)
    for i in range(50):
        wi, bi = elbow.torch_unit_step(w[i], b[i], x[i], y[i], 0.3)
        assert (W[i], B[i]) == (wi, bi)
    np.testing.assert_allclose(elbow.unit_step(w, b, x, y, 0.3), (W, B), rtol=1e-14, atol=1e-15)


@given(reals, reals, reals, reals)
@settings(max_examples=100, deadline=None)
def test_gradients_match_torch_autograd(w, b, x, y) -> None:
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    phi = torch.relu(wt * x + bt)
    phi.retain_grad()
    (0.5 * (phi - y) ** 2).backward()
    grads = elbow.unit_gradients(w, b, x, y)
    assert float(grads.dphi) == pytest.approx(phi.grad.item(), abs=1e-12)
    assert float(grads.dw) == pytest.approx(wt.grad.item(), abs=1e-12)
    assert float(grads.db) == pytest.approx(bt.grad.item(), abs=1e-12)


def test_relu_derivative_at_zero_is_zero_in_both() -> None:
    # w x + b = 0 exactly: the convention ReLU'(0) = 0, shared with torch.
    assert elbow.exact_unit_step(1, -2, 2, 5, 1).active is False
    np.testing.assert_array_equal(elbow.torch_unit_step(1.0, -2.0, 2.0, 5.0, 1.0), (1.0, -2.0))
    assert float(elbow.unit_gradients(1.0, -2.0, 2.0, 5.0).dw) == 0.0


def test_elbow_and_unit() -> None:
    np.testing.assert_array_equal(elbow.elbow([2.0, -4.0], [1.0, 2.0]), [-0.5, 0.5])
    e = float(elbow.elbow(3.0, -1.5))
    assert float(elbow.relu_unit(3.0, -1.5, e)) == 0.0
    assert float(elbow.relu_unit(3.0, -1.5, e + 0.1)) > 0.0


# ------------------------------------------------------------------ part (b)


def test_part_b_prediction_on_every_configuration_of_the_grid() -> None:
    family = elbow.sign_configurations()
    checked = 0
    for w, b, x, y, lr in family:
        predicted = elbow.part_b_prediction(w, b, x, lr)
        if predicted is None:
            assert elbow.spec_case(w, b, x) == "other"
            continue
        step = elbow.exact_unit_step(w, b, x, y, lr)
        assert step.g == 1 or not step.active
        assert step.signs == predicted, (w, b, x, lr)
        checked += 1
    assert checked > 500


def pattern(w, b, x, lr) -> tuple[int, ...]:
    return (sign(w), sign(b), sign(x), sign(w * x + b), sign(w - b * x), sign(w - lr * x))


def test_grid_realises_every_sign_pattern() -> None:
    grid = {pattern(w, b, x, lr) for w, b, x, _, lr in elbow.sign_configurations()}
    rng = np.random.default_rng(0)
    values = [Fraction(int(p), int(q)) for p, q in rng.integers(1, 9, size=(400, 2))]
    signed = [v * s for v in values for s in (-1, 1)] + [Fraction(0)]
    rates = values[:40]
    for _ in range(20_000):
        w, b, x = (signed[i] for i in rng.integers(len(signed), size=3))
        lr = rates[rng.integers(len(rates))]
        assert pattern(w, b, x, lr) in grid, (w, b, x, lr)


def test_sign_table_per_case() -> None:
    table = elbow.sign_outcomes(elbow.sign_configurations())
    assert table["i"] == [(0, None), (0, 0)]
    assert table["ii"] == [(-1, None), (-1, -1), (-1, 0), (-1, 1)]
    assert table["iii"] == [(1, 1)]
    assert table["iv"] == [(-1, -1)]


def test_catalogue_claim_for_case_ii_needs_a_small_step() -> None:
    # "moves right if 1 + e x > 0, which always holds when b <= 0" fails once λx > w:
    w, b, x, lr = 1, -1, 2, 1
    assert elbow.spec_case(w, b, x) == "ii"
    assert 1 + Fraction(-b, w) * x > 0
    y = max(w * x + b, 0) - 1
    step = elbow.exact_unit_step(w, b, x, y, lr)
    assert step.w_new < 0
    assert step.shift == -3
    # with λx < w the same unit's elbow moves right
    assert elbow.exact_unit_step(w, b, x, y, Fraction(1, 4)).shift > 0


@pytest.mark.parametrize(
    ("w", "b", "x"), [(1, 2, 1), (Fraction(1, 2), 3, 2), (2, Fraction(5, 2), 1)]
)
def test_left_moving_elbow_in_case_ii(w, b, x) -> None:
    assert elbow.spec_case(w, b, x) == "ii"
    assert b > 0
    assert b * x > w
    lr = Fraction(1, 100)
    y = w * x + b - 1
    step = elbow.exact_unit_step(w, b, x, y, lr)
    assert step.shift < 0
    assert step.w_new > 0
    w_t, b_t = elbow.torch_unit_step(float(w), float(b), float(x), float(y), float(lr))
    assert -b_t / w_t < -b / w


def test_search_finds_left_moves_and_explains_them() -> None:
    found = elbow.search_case_ii(20_000, lr=0.1, seed=3)
    assert found.trials == 20_000
    assert np.all((found.w > 0) & (found.x > 0) & (found.w * found.x + found.b > 0))
    small = ~found.flipped
    left = found.left & small
    assert left.sum() > 100
    assert np.all(found.b[left] > 0)
    assert np.all(found.b[left] * found.x[left] > found.w[left])
    right = ~found.left & small
    assert np.all(found.b[right] * found.x[right] <= found.w[right])
    assert found.flipped.any()
    assert np.all(found.left[found.flipped] == (found.b * found.x < found.w)[found.flipped])
    i = int(np.flatnonzero(left)[0])
    w, b, x = found.w[i], found.b[i], found.x[i]
    step = elbow.exact_unit_step(w, b, x, w * x + b - 1, 0.1)
    assert step.shift < 0
    w_t, b_t = elbow.torch_unit_step(w, b, x, w * x + b - 1, 0.1)
    assert -b_t / w_t - (-b / w) == pytest.approx(found.shift[i], rel=1e-9)


def test_search_is_reproducible() -> None:
    a, b = elbow.search_case_ii(500, seed=9), elbow.search_case_ii(500, seed=9)
    np.testing.assert_array_equal(a.shift, b.shift)


# ------------------------------------------------------------------ the width-d network


def network(d: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(size=d), rng.normal(size=d), rng.normal(size=d), rng.normal(), rng.normal()


@given(st.integers(1, 6), st.integers(0, 10**6), st.floats(0.001, 0.5))
@settings(max_examples=60, deadline=None)
def test_network_elbows_match_torch_step(d: int, seed: int, lr: float) -> None:
    W1, b, W2, x, y = network(d, seed)
    assume(np.all(np.abs(W1 * x + b) > 1e-6))
    W1n, bn, W2n = elbow.torch_network_step(W1, b, W2, x, y, lr=lr)
    assume(np.all(np.abs(W1n) > 1e-3))
    np.testing.assert_allclose(
        elbow.network_elbows_after_step(W1, b, W2, x, y, lr=lr), -bn / W1n, rtol=1e-9, atol=1e-12
    )
    grads = elbow.network_gradients(W1, b, W2, x, y)
    for p, grad, new in ((W1, grads.W1, W1n), (b, grads.b, bn), (W2, grads.W2, W2n)):
        # torch rounds p − λ∇p in another order: the gap is a few ulp of |p| + |λ∇p|
        scale = np.abs(p) + np.abs(lr * grad)
        assert np.all(np.abs(p - lr * grad - new) <= 8 * np.spacing(scale))


def test_network_output_matches_torch() -> None:
    W1, b, W2, _, _ = network(5, 2)
    xs = np.linspace(-3, 3, 41)
    ref = torch.relu(torch.from_numpy(xs)[:, None] * torch.from_numpy(W1) + torch.from_numpy(b))
    np.testing.assert_allclose(
        elbow.network_output(W1, b, W2, xs), (ref @ torch.from_numpy(W2)).numpy(), rtol=1e-14
    )


def test_width_one_network_with_unit_output_is_the_unit() -> None:
    w, b, x, y, lr = 0.7, 0.4, 1.3, -0.2, 0.05
    g = max(w * x + b, 0.0) - y
    expected = elbow.elbow(w, b) + elbow.elbow_shift(w, b, x, g, lr)
    got = elbow.network_elbows_after_step([w], [b], [1.0], x, y, lr=lr)
    np.testing.assert_allclose(got, [expected], rtol=1e-13)


def test_output_weights_do_not_move_the_elbows_of_the_step() -> None:
    W1, b, W2, x, y = network(4, 5)
    e_new = elbow.network_elbows_after_step(W1, b, W2, x, y, lr=0.1)
    W1n, bn, _ = elbow.torch_network_step(W1, b, W2, x, y, lr=0.1)
    np.testing.assert_allclose(e_new, -bn / W1n, rtol=1e-12)


@pytest.mark.parametrize("pattern", list(itertools.product([0, 1], repeat=3)))
def test_symbolic_network_step_for_every_activity_pattern(pattern) -> None:
    step = elbow.symbolic_network_step(pattern)
    for from_step, closed in zip(step.elbows_from_step, step.elbows_closed_form, strict=True):
        assert sympy.simplify(from_step - closed) == 0
    for i, a in enumerate(pattern):
        if not a:  # an inactive unit keeps its elbow
            assert sympy.simplify(step.elbows_from_step[i] + step.b[i] / step.W1[i]) == 0


def test_symbolic_network_rejects_a_wrong_closed_form() -> None:
    step = elbow.symbolic_network_step([1, 1])
    W1, b, x, lr = step.W1, step.b, step.x, step.lr
    g = step.output - step.y
    assert sympy.simplify(step.loss.diff(b[0]) - g * step.W2[0]) == 0
    forgot_W2 = -(b[0] - lr * g) / (W1[0] - lr * g * x)  # the single-unit formula, unadapted
    assert sympy.simplify(step.elbows_from_step[0] - forgot_W2) != 0


# ------------------------------------------------------------------ bad input

BAD_CALLS = [
    (lambda: elbow.elbow(0.0, 1.0), ValueError, "w"),
    (lambda: elbow.elbow([1.0, 0.0], [1.0, 1.0]), ValueError, "w"),
    (lambda: elbow.elbow("w", 1.0), TypeError, "w"),
    (lambda: elbow.elbow(1.0, np.nan), ValueError, "b"),
    (lambda: elbow.elbow([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, "w, b"),
    (lambda: elbow.relu_unit(1.0, 1.0, []), ValueError, "x"),
    (lambda: elbow.relu_unit(True, 1.0, 1.0), TypeError, "w"),
    (lambda: elbow.unit_gradients(1.0, 1.0, 1.0, np.inf), ValueError, "y"),
    (lambda: elbow.unit_step(1.0, 1.0, 1.0, 1.0, 0.0), ValueError, "lr"),
    (lambda: elbow.unit_step(1.0, 1.0, 1.0, 1.0, -1.0), ValueError, "lr"),
    (lambda: elbow.unit_step(1.0, 1.0, 1.0, 1.0, "fast"), TypeError, "lr"),
    (lambda: elbow.elbow_shift(0.0, 1.0, 1.0, 1.0, 0.1), ValueError, "w"),
    (lambda: elbow.elbow_shift(1.0, 1.0, 1.0, 1.0, 1.0), ValueError, "lr"),
    (lambda: elbow.exact_unit_step(1, 1, 1, 1, 0), ValueError, "lr"),
    (lambda: elbow.exact_unit_step(1, 1, "x", 1, 1), TypeError, "x"),
    (lambda: elbow.exact_unit_step(1, True, 1, 1, 1), TypeError, "b"),
    (lambda: elbow.exact_unit_step(1, 1, 1, float("nan"), 1), ValueError, "y"),
    (lambda: elbow.exact_unit_step(1, 1, 1, 1, [1]), TypeError, "lr"),
    (lambda: elbow.spec_case(1, None, 1), TypeError, "b"),
    (lambda: elbow.spec_case(float("inf"), 1, 1), ValueError, "w"),
    (lambda: elbow.part_b_prediction(1, 1, 1, -1), ValueError, "lr"),
    (lambda: elbow.sign_configurations(()), TypeError, "magnitudes"),
    (lambda: elbow.sign_configurations((1, -2)), ValueError, "magnitudes"),
    (lambda: elbow.sign_configurations((1,), lrs=(0,)), ValueError, "lrs"),
    (lambda: elbow.sign_configurations("12"), TypeError, "magnitudes"),
    (lambda: elbow.sign_configurations(tuple(range(1, 60))), ValueError, "magnitudes"),
    (lambda: elbow.sign_outcomes([(1, 2, 3)]), TypeError, "configurations"),
    (lambda: elbow.search_case_ii(0), ValueError, "trials"),
    (lambda: elbow.search_case_ii(10**8), ValueError, "trials"),
    (lambda: elbow.search_case_ii(10.0), TypeError, "trials"),
    (lambda: elbow.search_case_ii(10, lr=0), ValueError, "lr"),
    (lambda: elbow.search_case_ii(10, scale=-1.0), ValueError, "scale"),
    (lambda: elbow.search_case_ii(10, seed=1.5), TypeError, "seed"),
    (lambda: elbow.torch_unit_step(1.0, 1.0, 1.0, 1.0, float("nan")), ValueError, "lr"),
    (lambda: elbow.network_output([1.0], [1.0, 2.0], [1.0], 0.0), ValueError, "b"),
    (lambda: elbow.network_output([1.0], [1.0], [[1.0]], 0.0), ValueError, "W2"),
    (lambda: elbow.network_output([[1.0]], [1.0], [1.0], 0.0), ValueError, "W1"),
    (lambda: elbow.network_gradients([1.0], [1.0], [1.0], [0.0, 1.0], 1.0), ValueError, "x"),
    (lambda: elbow.network_gradients([1.0], [1.0], [1.0], 0.0, "y"), TypeError, "y"),
    (
        lambda: elbow.network_elbows_after_step([1.0], [1.0], [1.0], 1.0, 0.0, lr=0.5),
        ValueError,
        "lr",
    ),
    (lambda: elbow.torch_network_step([1.0], [1.0], [1.0], 1.0, 0.0, lr=-0.5), ValueError, "lr"),
    (lambda: elbow.symbolic_network_step([]), TypeError, "active"),
    (lambda: elbow.symbolic_network_step([0, 2]), ValueError, "active"),
    (lambda: elbow.symbolic_network_step([True]), TypeError, "active"),
    (lambda: elbow.symbolic_network_step([1] * 9), ValueError, "active"),
]


@pytest.mark.parametrize(
    ("call", "error", "name"), BAD_CALLS, ids=[f"{i}-{n}" for i, (_, _, n) in enumerate(BAD_CALLS)]
)
def test_bad_input_names_the_argument(call, error, name) -> None:
    with pytest.raises(error, match=rf"^{name}\b"):
        call()


bad_numbers = st.one_of(
    st.just(float("nan")),
    st.just(float("inf")),
    st.just("1"),
    st.just(None),
    st.just(True),
    st.just([1, 2]),
    st.just(1 + 2j),
)


@given(bad_numbers, st.sampled_from(["w", "b", "x", "y", "lr"]))
@settings(max_examples=60, deadline=None)
def test_bad_numbers_are_rejected_by_name(value, name) -> None:
    args = {"w": 1, "b": 1, "x": 1, "y": 1, "lr": Fraction(1, 10), name: value}
    with pytest.raises((TypeError, ValueError), match=rf"^{name}\b"):
        elbow.exact_unit_step(**args)


# ------------------------------------------------------------------ overflow (fuzz findings)

OVERFLOWING_CALLS = [
    (lambda: elbow.unit_gradients(1.0, 1.0, 1e200, 0.0), "w, b, x, y"),
    (lambda: elbow.unit_step(1.0, 1.0, 1e200, 0.0, 0.1), "w, b, x, y"),
    (lambda: elbow.unit_step(1.0, 1.0, 1e154, 0.0, 1e200), "w, b, x, y, lr"),
    (lambda: elbow.torch_unit_step(1.0, 0.5, 1e200, 0.0, 0.1), "w, b, x, y, lr"),
    (lambda: elbow.elbow(1e-200, 1e200), "w, b"),
    (lambda: elbow.elbow_shift(1e-200, 1e200, 1.0, 1.0, 0.1), "w, b, x, g, lr"),
    (lambda: elbow.network_gradients([1e200], [1.0], [1.0], 2.0, 0.0), "W1, b, W2, x, y"),
    (lambda: elbow.network_gradients([1.0], [1.0], [1.0], 1e200, 0.0), "W1, b, W2, x, y"),
    (
        lambda: elbow.network_elbows_after_step([1.0], [1.0], [1e200], 1.0, 0.0, lr=0.1),
        "W1, b, W2, x, y, lr",
    ),
    (
        lambda: elbow.torch_network_step([1.0], [1.0], [1e200], 1.0, 0.0, lr=0.1),
        "W1, b, W2, x, y, lr",
    ),
    (lambda: elbow.torch_network_step([1.0], [1.0], [1.0], 1e200, 0.0, lr=0.1), "W1, b, W2"),
]


@pytest.mark.parametrize(
    ("call", "names"),
    OVERFLOWING_CALLS,
    ids=[f"{i}-{n.replace(', ', '')}" for i, (_, n) in enumerate(OVERFLOWING_CALLS)],
)
def test_overflow_is_refused_naming_the_inputs(call, names) -> None:
    # inputs of size 1e200 are valid numbers, but the results leave float64: refuse them
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(ValueError, match=rf"^{names}\b.*overflows float64"),
    ):
        call()


@pytest.mark.parametrize("scale", [1e-320, 1e-101, 1e101, 1e300])
def test_search_refuses_a_scale_outside_the_normal_range(scale) -> None:
    with pytest.raises(ValueError, match=r"^scale must lie in"):
        elbow.search_case_ii(50, scale=scale)


@pytest.mark.parametrize("scale", elbow.SCALE_RANGE)
def test_search_at_the_ends_of_the_scale_range_is_finite(scale) -> None:
    found = elbow.search_case_ii(2000, scale=scale, seed=1)
    assert np.all(np.isfinite(found.shift))
    assert found.left.any()
