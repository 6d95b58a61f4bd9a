"""The kernel cannot be fooled: one test per class of false claim a reviewer tried.

Each class holds several cases; a case passes when the kernel refuses the false claim
(ProofError, or a TypeError/ValueError that names what is wrong) and accepts the true
ones next to it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw.proof import (
    Claim,
    Derivation,
    Matrix,
    ProofError,
    Real,
    Space,
    Vector,
    bound,
    exhaustive,
    identity,
)
from dlhw.proof.notation import lam_max, sqnorm

x, y = sympy.symbols("x y")
p = sympy.Symbol("p", positive=True)
n_int = sympy.Symbol("n", integer=True)
A = sympy.MatrixSymbol("A", 3, 3)
B2, C2 = sympy.MatrixSymbol("B", 2, 2), sympy.MatrixSymbol("C", 2, 2)
REFUSED = (ProofError, TypeError, ValueError)


# --- floats --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        (1 + sympy.Float(1e-20), sympy.Integer(1)),
        (sympy.Float(0.333333333333333) * x, x / 3),
        ((1 + sympy.Float(1e-20)) * A, A),
        (sympy.Float(0.1) + sympy.Float(0.2), sympy.Rational(3, 10)),
        (x * sympy.Float(2.0), 2 * x),
        (
            sympy.ImmutableMatrix([[sympy.Float(0.5), 0], [0, 1]]) * B2,
            sympy.diag(sympy.Rational(1, 2), 1) * B2,
        ),
    ],
)
def test_floats_are_refused_by_exact_checks(lhs: sympy.Basic, rhs: sympy.Basic) -> None:
    with pytest.raises(TypeError, match="floating-point"):
        identity(lhs, rhs)


def test_floats_allowed_with_a_stated_tolerance_and_recorded() -> None:
    record = identity(sympy.Float(0.5) * x, x / 2, tol=1e-12)
    assert record.tolerance == 1e-12
    assert "numerical" in record.detail
    with pytest.raises(ProofError, match="tolerance"):
        identity(sympy.Float(0.5001) * x, x / 2, tol=1e-12)


def test_python_floats_are_refused_as_sides() -> None:
    with pytest.raises(TypeError, match="Rational"):
        identity(0.5, sympy.Rational(1, 2))


# --- fixed substitution points ----------------------------------------------------------


@pytest.mark.parametrize("window", [6, 30, 200])
def test_products_vanishing_on_a_window_are_refuted(window: int) -> None:
    lhs = sympy.prod([x - k for k in range(-window, window + 1)])
    with pytest.raises(ProofError):
        identity(lhs, sympy.Integer(0))


def test_positive_symbols_are_not_drawn_from_a_fixed_window() -> None:
    # vanishes at every positive integer up to 1000: the old fixed window [1, 1000]
    lhs = sympy.prod([p - k for k in range(1, 1001)])
    with pytest.raises(ProofError):
        identity(lhs, sympy.Integer(0))


def test_points_move_with_the_claim() -> None:
    # Pre-computing the points of one claim and building a product that vanishes there
    # does not work: the product is another claim, with other points.
    rng_points = []
    for offset in range(3):
        claim = sympy.prod([x - k for k in range(offset, offset + 3)])
        with pytest.raises(ProofError) as err:
            identity(claim, sympy.Integer(0))
        rng_points.append(err.value.detail)
    assert len(set(rng_points)) == 3


def test_matrix_entries_adapt_to_degree() -> None:
    record = identity((A * A) * A, A * (A * A))
    assert record.failure_bound is not None
    assert record.failure_bound < 1e-15
    assert "degree" in record.detail


# --- non-polynomial content on the matrix path ---------------------------------------------


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        (sympy.sin(sympy.pi * x) * A, sympy.ZeroMatrix(3, 3)),
        (sympy.cos(2 * sympy.pi * x) * A, A),
        (sympy.floor(x) * A, x * A),
        ((-1) ** (2 * x) * A, A),
        (sympy.Abs(x) * A, x * A),
        (sympy.sqrt(x**2) * A, x * A),
        (sympy.ceiling(x) * A, x * A),
        (sympy.Piecewise((1, x > 0), (0, True)) * A, A),
        (sympy.exp(2 * sympy.pi * sympy.I * x) * A, A),
    ],
)
def test_non_rational_content_is_undecided_on_the_matrix_path(
    lhs: sympy.Basic, rhs: sympy.Basic
) -> None:
    with pytest.raises(ProofError, match="undecided"):
        identity(lhs, rhs)


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        (sympy.sin(sympy.pi * n_int), sympy.Integer(0)),
        (sympy.floor(n_int), n_int),
        ((-1) ** (2 * n_int), sympy.Integer(1)),
    ],
)
def test_non_rational_scalar_content_is_undecided(lhs: sympy.Basic, rhs: sympy.Basic) -> None:
    # True for integers, but random substitution cannot establish it: refuse, unless
    # sympy proves it exactly.
    if sympy.simplify(lhs - rhs) == 0:
        assert identity(lhs, rhs).kind == "exact identity"
    else:
        with pytest.raises(ProofError, match="undecided"):
            identity(lhs, rhs)


# --- shapes and domains of sampled values ----------------------------------------------------


def test_sampled_values_must_have_the_symbols_shape() -> None:
    one_by_one = {
        B2: lambda rng: sympy.Matrix([[int(rng.integers(9))]]),
        C2: lambda rng: sympy.Matrix([[int(rng.integers(9))]]),
    }
    with pytest.raises(ValueError, match="shape"):
        identity(B2 * C2, C2 * B2, samplers=one_by_one)


def test_sampled_values_must_respect_declared_symmetry_and_domain() -> None:
    with pytest.raises(ValueError, match="symmetric"):
        identity(
            B2.T, B2, symmetric=[B2], samplers={B2: lambda rng: sympy.Matrix([[1, 2], [3, 4]])}
        )
    k = sympy.Symbol("k", integer=True)
    with pytest.raises(ValueError, match="integer"):
        identity(k, k, samplers={k: lambda rng: sympy.Rational(1, 2)})
    with pytest.raises(ValueError, match="positive"):
        identity(p, p, samplers={p: lambda rng: -1})
    with pytest.raises(TypeError, match="floating"):
        identity(x, x, samplers={x: lambda rng: 0.5})


# --- budgets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("trials", [0, -1, -100, True, 2.5, 10**9])
def test_budgets_must_be_positive_and_bounded(trials: object) -> None:
    r = sympy.Symbol("r")
    with pytest.raises((TypeError, ValueError)):
        Derivation(r**2, claim="false").le(
            sympy.Integer(-1), "nothing", space=Space({r: Real()}), trials=trials
        )  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError)):
        identity(A, A, trials=trials)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError)):
        bound(
            lambda z: 2.0, lambda z: 1.0, lambda rng: rng.normal(size=2), claim="c", trials=trials
        )  # type: ignore[arg-type]


def test_false_inequality_step_is_refuted() -> None:
    r = sympy.Symbol("r")
    with pytest.raises(ProofError):
        Derivation(r**2, claim="false").le(sympy.Integer(-1), "nothing", space=Space({r: Real()}))


# --- exhaustive predicates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "predicate",
    [
        lambda n: int(n % 2 == 0),
        lambda n: np.count_nonzero(n % 2 == 0),
        lambda n: np.int64(n % 2 == 0),
        lambda n: 0,
        lambda n: 0.0,
        lambda n: "True",
        lambda n: None,
    ],
    ids=["int", "count_nonzero", "np.int64", "zero", "float zero", "string", "None"],
)
def test_odd_numbers_are_not_even(predicate: object) -> None:
    with pytest.raises(REFUSED):
        exhaustive(predicate, range(1, 100, 2), claim="every odd n is even")  # type: ignore[arg-type]


@pytest.mark.parametrize("tol", [True, math.nan, math.inf, -1e-9, 1.0, 1e6])
def test_exhaustive_tolerances_must_be_small_finite_numbers(tol: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        exhaustive(abs, range(3), claim="c", residual=True, tol=tol)  # type: ignore[arg-type]


def test_infinite_families_are_refused_not_run() -> None:
    import itertools

    with pytest.raises(ValueError, match="max_cases"):
        exhaustive(lambda n: True, itertools.count(), claim="forever", max_cases=1000)


# --- bound: tolerances and non-finite values -----------------------------------------------------


@pytest.mark.parametrize(
    ("rtol", "atol"),
    [
        (math.nan, 0.0),
        (0.0, math.nan),
        (math.inf, 0.0),
        (0.0, math.inf),
        (10.0, 0.0),
        (0.0, 5.0),
        (-1.0, 0.0),
    ],
)
def test_bound_tolerances_cannot_accept_two_le_one(rtol: float, atol: float) -> None:
    with pytest.raises((TypeError, ValueError, ProofError)):
        bound(
            lambda z: 2.0,
            lambda z: 1.0,
            lambda rng: rng.normal(size=2),
            claim="2 <= 1",
            rtol=rtol,
            atol=atol,
        )


def test_bound_infinite_values_in_the_search_are_violations() -> None:
    # finite on every random instance near 0, infinite far away: the adversarial search
    # walks out and meets inf, which must be a failure, not a skip
    def lhs(z: np.ndarray) -> float:
        return math.inf if np.abs(z).max() > 3 else float(z @ z) / 10

    with pytest.raises(ProofError, match="non-finite"):
        bound(
            lhs,
            lambda z: 1.0 + float(z @ z),
            lambda rng: rng.normal(scale=0.1, size=2),
            claim="c",
            starts=3,
        )
    with pytest.raises(ProofError, match="non-finite"):
        bound(lambda z: math.nan, lambda z: 1.0, lambda rng: rng.normal(size=2), claim="nan")


def test_claim_search_non_finite_is_a_violation() -> None:
    w = sympy.MatrixSymbol("w", 2, 1)
    claim = Claim("t-inf", sympy.Integer(0), "<=", 1 / sqnorm(w), register=False)
    space = Space({w: Vector(2)})
    # 1/||w||^2 is finite except at 0, which the optimiser may or may not reach: the claim
    # holds on every instance it evaluates, so it passes; an infinite lhs must fail
    claim.search(space, trials=30, starts=1, hypotheses_needed=False)
    bad = Claim(
        "t-inf2", sympy.log(sympy.Integer(0) * sqnorm(w)), "<=", sympy.Integer(1), register=False
    )
    with pytest.raises(ProofError, match="non-finite"):
        bad.search(space, trials=10, starts=0, hypotheses_needed=False)


# --- true claims are accepted -------------------------------------------------------------


@pytest.mark.parametrize(
    ("lhs", "rhs", "kwargs"),
    [
        (sympy.Integer(2) * 2, sympy.Integer(4), {"samplers": {x: lambda rng: 1}}),
        (sympy.Integer(2) * 2, sympy.Integer(4), {"symmetric": [A]}),
        (sympy.ImmutableMatrix([[1, 2], [3, 4]]).T, sympy.ImmutableMatrix([[1, 3], [2, 4]]), {}),
        (x * (x - 1), sympy.Integer(0), {"samplers": {x: lambda rng: int(rng.integers(0, 2))}}),
        ((A * A.T).T, A * A.T, {}),
        (sympy.Rational(1, 3) * 3 * x, x, {}),
    ],
)
def test_true_claims_pass(lhs: sympy.Basic, rhs: sympy.Basic, kwargs: dict[str, object]) -> None:
    identity(lhs, rhs, **kwargs)  # type: ignore[arg-type]


@given(st.integers(-(10**6), 10**6), st.integers(1, 10**6))
@settings(max_examples=25, deadline=None)
def test_rational_scalings_are_exact(num: int, den: int) -> None:
    q = sympy.Rational(num, den)
    identity(q * A + (1 - q) * A, A)
    if q != 1:
        with pytest.raises(ProofError):
            identity(q * A, A)


def test_rayleigh_needs_symmetry_once_dropped() -> None:
    H = sympy.MatrixSymbol("H", 3, 3)
    w = sympy.MatrixSymbol("w", 3, 1)
    from dlhw.proof.notation import scalar

    claim = Claim(
        "t-rayleigh",
        scalar(w.T * H * w),
        "<=",
        lam_max(H) * sqnorm(w),
        given=[sympy.Q.symmetric(H)],
        sharp=True,
        register=False,
    )
    record = claim.search(Space({H: Matrix(3, 3), w: Vector(3)}), trials=120, starts=3)
    assert record.worst == pytest.approx(1.0, abs=1e-6)
    assert "H = H^{\\top}" in claim.findings[0].needed
