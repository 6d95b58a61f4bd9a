"""The proof kernel: every kind of check passes true claims and fails false ones."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw.proof import (
    KINDS,
    CheckRecord,
    CheckTable,
    Derivation,
    ProofError,
    Real,
    Space,
    bound,
    clear_records,
    exhaustive,
    identity,
    records,
    what_was_checked,
)

x, y = sympy.symbols("x y")
A, B = sympy.MatrixSymbol("A", 3, 3), sympy.MatrixSymbol("B", 3, 3)


@pytest.fixture(autouse=True)
def _fresh_log() -> None:
    clear_records()


# --- identity --------------------------------------------------------------------


def test_identity_contract_matrices() -> None:
    record = identity((A * B).T, B.T * A.T)
    assert record.kind == "randomized identity"
    assert record.cases == 6
    assert record.worst == 0
    with pytest.raises(ProofError, match="substitution 1"):
        identity((A * B).T, A.T * B.T)


def test_identity_contract_scalars() -> None:
    assert identity(x**2 - 1, (x - 1) * (x + 1)).kind == "exact identity"
    with pytest.raises(ProofError):
        identity(x**2 - 1, (x - 1) ** 2)


def test_identity_false_constant() -> None:
    with pytest.raises(ProofError, match="lhs - rhs = -1"):
        identity(sympy.Integer(2), sympy.Integer(3))


def test_identity_shape_mismatch_is_a_failed_claim() -> None:
    C = sympy.MatrixSymbol("C", 3, 2)
    with pytest.raises(ProofError, match="shapes"):
        identity(A * C, C.T * A)


def test_identity_matrix_vs_scalar() -> None:
    with pytest.raises(ProofError, match="one side is a matrix"):
        identity(A, x)


def test_identity_uses_symmetry_only_when_told() -> None:
    S = sympy.MatrixSymbol("S", 4, 4)
    assert identity(S.T, S, symmetric=[S]).kind == "randomized identity"
    with pytest.raises(ProofError):
        identity(S.T, S)


def test_identity_samplers_constrain_values() -> None:
    # x * (x - 1) = 0 holds on {0, 1} only: a sampler restricted to {0, 1} passes it.
    boolean = {x: lambda rng: int(rng.integers(0, 2))}
    assert identity(x * (x - 1), sympy.Integer(0), samplers=boolean).cases == 6
    with pytest.raises(ProofError):
        identity(x * (x - 1), sympy.Integer(0), samplers={x: lambda rng: 5})


def test_identity_detects_small_perturbation_of_matrix_identity() -> None:
    # (A + B)^2 = A^2 + 2AB + B^2 is false for non-commuting matrices.
    with pytest.raises(ProofError):
        identity((A + B) ** 2, A**2 + 2 * A * B + B**2)
    identity((A + B) ** 2, A**2 + A * B + B * A + B**2)


def test_identity_inverse_is_exact() -> None:
    identity((A * B).inverse(), B.inverse() * A.inverse())
    with pytest.raises(ProofError):
        identity((A * B).inverse(), A.inverse() * B.inverse())


def test_identity_non_rational_undecided_is_an_error() -> None:
    z = sympy.Symbol("z", positive=True)
    with pytest.raises(ProofError, match="undecided"):
        identity(sympy.sin(z) ** 2, sympy.sin(z) ** 2 + sympy.exp(-sympy.exp(z)))


@given(st.integers(-50, 50), st.integers(-50, 50))
@settings(max_examples=30, deadline=None)
def test_identity_polynomial_coefficients(a: int, b: int) -> None:
    lhs = (x + a) * (x + b)
    rhs = x**2 + (a + b) * x + a * b
    assert identity(lhs, rhs).kind == "exact identity"
    with pytest.raises(ProofError):
        identity(lhs, rhs + 1)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"lhs": np.eye(2), "rhs": x}, TypeError),
        ({"lhs": x, "rhs": x, "trials": 0}, ValueError),
        ({"lhs": x, "rhs": x, "claim": ""}, ValueError),
        ({"lhs": x, "rhs": x, "claim": 3}, TypeError),
        ({"lhs": x, "rhs": x, "label": 3}, TypeError),
        ({"lhs": A, "rhs": A, "symmetric": [sympy.MatrixSymbol("R", 2, 3)]}, ValueError),
    ],
)
def test_identity_bad_input(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        identity(**kwargs)  # type: ignore[arg-type]


# --- derivation -------------------------------------------------------------------


def test_derivation_renders_checked_steps() -> None:
    d = Derivation((x + 1) ** 2, claim="expand").eq(x**2 + 2 * x + 1, "binomial").qed()
    latex = d._repr_latex_()
    assert r"\begin{aligned}" in latex
    assert r"\checkmark" in latex
    assert "binomial" in latex
    assert d.record is not None
    assert d.record.kind == "exact identity"
    assert records() == [d.record]


def test_derivation_false_step_names_the_step() -> None:
    d = Derivation((A * B).T, claim="transpose").eq(B.T * A.T, "reverse order")
    with pytest.raises(ProofError, match=r"step 2 \(wrong order\)"):
        d.eq(A.T * B.T, "wrong order")


def test_derivation_kind_is_the_weakest_step() -> None:
    d = Derivation(x + x, claim="mixed").eq(2 * x, "collect")
    d = d.eq(sympy.Integer(2) * x, "again")
    C = sympy.MatrixSymbol("C", 2, 2)
    dm = Derivation(C * sympy.Identity(2), claim="matrix").eq(C, "identity").qed()
    assert d.qed().record.kind == "exact identity"  # type: ignore[union-attr]
    assert dm.record.kind == "randomized identity"  # type: ignore[union-attr]


def test_derivation_inequality_exact_and_false() -> None:
    r = sympy.Symbol("r", real=True)
    d = Derivation(r**2, claim="square").le(r**2 + 1, "add one").qed()
    assert d.record.kind == "exact identity"  # type: ignore[union-attr]
    with pytest.raises(ProofError, match="step 2"):
        Derivation(r**2, claim="false").le(r**2 + 1, "ok").le(r**2, "drop one")


def test_derivation_inequality_by_search_fails_on_false_claim() -> None:
    u = sympy.Symbol("u")  # no assumptions: sympy cannot decide, so a search is used
    space = Space({u: Real()})
    d = Derivation(u**2, claim="searched").le(u**2 + u**4, "add fourth power", space=space)
    assert d.qed().record.kind == "falsification search"  # type: ignore[union-attr]
    with pytest.raises(ProofError, match="lhs ="):
        Derivation(u, claim="false").le(u**2, "square is bigger", space=space)


def test_derivation_undecided_inequality_without_sampler_fails() -> None:
    u = sympy.Symbol("u")
    with pytest.raises(ProofError, match="undecided"):
        Derivation(u, claim="undecided").le(u**2, "square")


def test_derivation_strict_inequality() -> None:
    r = sympy.Symbol("r", real=True)
    Derivation(r**2, claim="strict").le(r**2 + 1, "plus one", strict=True).qed()
    with pytest.raises(ProofError):
        Derivation(r**2, claim="not strict").le(r**2, "same", strict=True)


def test_derivation_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        Derivation(x, claim="empty").qed()
    with pytest.raises(TypeError, match="start"):
        Derivation("x", claim="string start")
    with pytest.raises(TypeError, match="scalar"):
        Derivation(A, claim="matrix").le(A, "no order on matrices")
    with pytest.raises(ValueError, match="reason"):
        Derivation(x, claim="c").eq(x, " ")


# --- exhaustive -------------------------------------------------------------------


def test_exhaustive_true_and_false() -> None:
    assert exhaustive(lambda n: (n**3 - n) % 6 == 0, range(200), claim="6 | n^3 - n").cases == 200
    with pytest.raises(ProofError, match="case 2"):
        exhaustive(lambda n: n < 2, range(5), claim="small")


def test_exhaustive_batched_and_residuals() -> None:
    xs = np.linspace(0, 1, 101)
    rec = exhaustive(
        lambda v: np.abs(np.sin(v) ** 2 + np.cos(v) ** 2 - 1),
        xs,
        claim="pythagoras",
        batched=True,
        residual=True,
        tol=1e-15,
    )
    assert rec.worst <= 1e-15
    assert rec.tolerance == 1e-15
    with pytest.raises(ProofError, match="case 0"):
        exhaustive(
            lambda v: np.abs(v - 0.5), xs, claim="all halves", batched=True, residual=True, tol=1e-3
        )


def test_exhaustive_nan_residual_fails() -> None:
    with pytest.raises(ProofError):
        exhaustive(lambda v: float("nan"), [1], claim="nan is not zero", residual=True)


def test_exhaustive_bad_input() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        exhaustive(lambda v: True, [], claim="empty family")
    with pytest.raises(ValueError, match="one value per case"):
        exhaustive(lambda v: np.array([True]), [1, 2], claim="short", batched=True)
    with pytest.raises(TypeError, match="callable"):
        exhaustive(3, [1], claim="not callable")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tol"):
        exhaustive(lambda v: True, [1], claim="neg tol", residual=True, tol=-1.0)
    with pytest.raises(TypeError, match="booleans"):
        exhaustive(lambda v: "yes", [1], claim="strings")


# --- bound (falsification search) --------------------------------------------------


def gaussian(rng: np.random.Generator) -> np.ndarray:
    return rng.normal(size=4)


def test_bound_true_claim_reports_worst_ratio() -> None:
    rec = bound(
        lambda z: float(abs(z.sum())),
        lambda z: float(np.abs(z).sum()),
        gaussian,
        claim="triangle inequality",
        trials=50,
        starts=2,
    )
    assert rec.kind == "falsification search"
    assert 0.9 < rec.worst <= 1 + 1e-9  # the search pushes the ratio towards 1


def test_bound_finds_violation_by_adversarial_search() -> None:
    # ||z||^2 <= 4 + sum(z) is false only for large z: random N(0, 1/100) samples do not
    # find it, the adversarial search must.
    def small(rng: np.random.Generator) -> np.ndarray:
        return rng.normal(scale=0.1, size=4)

    lhs = lambda z: float(z @ z)
    rhs = lambda z: float(4 + z.sum())
    bound(lhs, rhs, small, claim="random phase only", trials=100, starts=0)
    with pytest.raises(ProofError, match="lhs ="):
        bound(lhs, rhs, small, claim="with search", trials=100, starts=3)


def test_bound_non_finite_is_an_error() -> None:
    with pytest.raises(ProofError, match="non-finite"):
        bound(lambda z: float("nan"), lambda z: 1.0, gaussian, claim="nan")


def test_bound_bad_input() -> None:
    with pytest.raises(ValueError, match="trials"):
        bound(lambda z: 0.0, lambda z: 1.0, gaussian, claim="c", trials=0)
    with pytest.raises(ValueError, match="starts"):
        bound(lambda z: 0.0, lambda z: 1.0, gaussian, claim="c", starts=-1)
    with pytest.raises(ValueError, match="1-D"):
        bound(lambda z: 0.0, lambda z: 1.0, lambda rng: np.zeros((2, 2)), claim="c")


# --- records and the table ----------------------------------------------------------


def test_records_and_table() -> None:
    identity(x + x, 2 * x, label="thm-x")
    exhaustive(lambda n: n >= 0, range(3), claim="a | b")
    table = what_was_checked()
    assert isinstance(table, CheckTable)
    markdown = table._repr_markdown_()
    assert "{prf:ref}`thm-x`" in markdown
    assert r"a \| b" in markdown  # pipes escaped
    data, metadata = table._repr_mimebundle_()
    assert data["text/markdown"] == markdown
    assert [r["claim"] for r in metadata["dlhw_checks"]][1] == "a | b"
    assert {r.kind for r in records()} <= set(KINDS)


def test_empty_table_refuses_to_render() -> None:
    with pytest.raises(ValueError, match="no checks"):
        what_was_checked()._repr_markdown_()


def test_record_kind_is_validated() -> None:
    from dlhw.proof.records import log

    with pytest.raises(ValueError, match="kind"):
        log(CheckRecord("c", "vibes", 1, 0.0, 0.0))


def test_identity_differentiates_before_substituting() -> None:
    t = sympy.Symbol("t", real=True)
    w = sympy.Symbol("w", real=True)
    f = 1 / (1 + t**2)
    derivative = sympy.Derivative(f.subs(t, w), w)  # unevaluated, of a rational function
    assert identity(derivative, -2 * w / (1 + w**2) ** 2).kind in (
        "exact identity",
        "randomized identity",
    )
    with pytest.raises(ProofError):
        identity(derivative, 2 * w / (1 + w**2) ** 2)
