"""Claims as objects: rendering, checks driven by the statement, and mutants."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from sympy import Q

from dlhw.proof import (
    Claim,
    Integer,
    Matrix,
    ProofError,
    Real,
    Space,
    Vector,
    claims,
    clear_claims,
    clear_records,
    defined,
    records,
    run_mutants,
)
from dlhw.proof.notation import lam_max, lam_min, scalar, sqnorm

x = sympy.Symbol("x", real=True)
k = sympy.Symbol("k", integer=True, nonnegative=True)
A = sympy.MatrixSymbol("A", 3, 3)
H = sympy.MatrixSymbol("H", 3, 3)
w = sympy.MatrixSymbol("w", 3, 1)
eta = sympy.Symbol("eta", positive=True)
I3 = sympy.Identity(3)


@pytest.fixture(autouse=True)
def _fresh() -> None:
    clear_records()
    clear_claims()


def rayleigh() -> Claim:
    return Claim(
        "t-rayleigh",
        scalar(w.T * H * w),
        "<=",
        lam_max(H) * sqnorm(w),
        given=[Q.symmetric(H)],
        sharp=True,
    )


def contraction() -> Claim:
    return Claim(
        "t-contract",
        sqnorm((I3 - eta * H) * w),
        "<=",
        sqnorm(w),
        given=[Q.positive_definite(H), eta < 2 / lam_max(H)],
    )


CONTRACT_SPACE = Space({H: Matrix(3, 3), w: Vector(3), eta: Real()})


# --- rendering -------------------------------------------------------------------------------


def test_rendering_comes_from_the_object() -> None:
    claim = contraction()
    assert claim.latex() == r"\lVert \left(I - \eta H\right) w \rVert^{2} \le \lVert w \rVert^{2}"
    assert claim.latex("given") == r"H \succ 0, \quad \eta < \frac{2}{\lambda_{\max}(H)}"
    assert claim.latex("domains") == r"\eta > 0"
    hypotheses = r"\eta > 0, \quad H \succ 0, \quad \eta < \frac{2}{\lambda_{\max}(H)}"
    assert claim.latex("full").endswith(r"\left(" + hypotheses + r"\right)")
    assert claim.latex("full").startswith(claim.latex())
    assert claims()["t-contract"] is claim
    parts = claim.parts()
    assert set(parts) >= {"", "lhs", "rhs", "full", "given", "domains"}


def test_two_bounds_on_one_symbol_render_as_a_chain() -> None:
    t = sympy.Symbol("t", real=True)
    claim = Claim("t-chain", t, "<", sympy.Integer(2), given=[t > 0, t < 1], register=False)
    assert claim.latex("given") == r"0 < t < 1"
    with pytest.raises(ValueError, match="assumptions"):
        Claim("t-vacuous", eta, "<", sympy.Integer(2), given=[eta > 0], register=False)
    positive = Claim("t-dom", eta, ">", sympy.Integer(0), register=False)
    assert positive.latex("domains") == r"\eta > 0"


def test_named_constants_render_and_evaluate() -> None:
    nu = sympy.Symbol("nu")
    claim = Claim(
        "t-nu",
        nu,
        "<",
        sympy.Integer(1),
        given=[Q.positive_definite(H), eta < 2 / lam_max(H)],
        where=[(nu, sympy.Max(sympy.Abs(1 - eta * lam_min(H)), sympy.Abs(1 - eta * lam_max(H))))],
    )
    assert claim.latex("nu").startswith(r"\nu = \max")
    lhs, _ = claim.evaluate({H: np.diag([1.0, 2.0, 4.0]), eta: 0.25})
    assert lhs == pytest.approx(0.75)
    record = claim.search(Space({H: Matrix(3, 3), eta: Real()}), trials=60, starts=2)
    assert record.worst <= 1


def test_bad_claims_are_refused() -> None:
    with pytest.raises(ValueError, match="rel"):
        Claim("bad", x, "~", x)
    with pytest.raises(ValueError, match="matrix"):
        Claim("bad", A, "=", x)
    with pytest.raises(TypeError):
        Claim("bad", 0.5, "=", x)
    with pytest.raises(TypeError, match="statements"):
        Claim("bad", x, "<=>", x)
    with pytest.raises(ValueError, match="does not say so"):
        Claim("hidden", scalar(w.T * H * w), ">=", sympy.Integer(0), register=False).search(
            Space({H: Matrix(3, 3, kind="psd"), w: Vector(3)})
        )


def test_defined_notation_cannot_state_relations() -> None:
    with pytest.raises(ValueError, match="relation"):
        defined("f", latex=r"#0 \le 1", numeric=abs)


# --- checks driven by the statement -----------------------------------------------------------


def test_identity_claims_and_hypotheses() -> None:
    S = sympy.MatrixSymbol("S", 3, 3)
    claim = Claim("t-sym", S.T * S * S.T, "=", S * S * S, given=[Q.symmetric(S)])
    record = claim.identity()
    assert record.label == "t-sym"
    assert record.statement == claim.latex("full")
    assert records()[-1] is record
    with pytest.raises(ProofError):
        Claim("t-nosym", S.T * S * S.T, "=", S * S * S).identity()
    with pytest.raises(ValueError, match="cannot impose"):
        Claim("t-pos", x, "=", x, given=[x > 0]).identity()


def test_exhaustive_claims_use_the_formula_and_report_needed_hypotheses() -> None:
    walks = defined(
        "walks",
        latex=r"L_{#1}",
        numeric=lambda M, n: _walks_by_enumeration(np.asarray(M), int(n)),
        shape=lambda M, n: M.shape,
    )
    B = sympy.MatrixSymbol("B", 3, 3)
    claim = Claim("t-walks", sympy.MatPow(B, k), "=", walks(B, k), given=[Q.symmetric(B)])
    graphs = [np.array(g).reshape(3, 3) for g in _all_01(9)]
    cases = [{B: g, k: j} for g in graphs for j in range(4)]
    record = claim.exhaustive(cases)
    assert record.kind == "exhaustive"
    assert "outside the hypotheses" in record.detail
    # the directed cases satisfy the claim too: symmetry is not needed, and the page says so
    assert "B = B^{\\top}" in claim.findings[-1].not_needed
    wrong = Claim("t-walks-wrong", sympy.MatPow(B, k + 1), "=", walks(B, k))
    with pytest.raises(ProofError):
        wrong.exhaustive(cases)


def _all_01(n: int) -> list[list[int]]:
    return [[(i >> b) & 1 for b in range(n)] for i in range(2**n)]


def _walks_by_enumeration(M: np.ndarray, n: int) -> np.ndarray:
    import itertools

    size = M.shape[0]
    out = np.zeros((size, size), dtype=int)
    for seq in itertools.product(range(size), repeat=n + 1):
        if all(M[seq[t], seq[t + 1]] for t in range(n)):
            out[seq[0], seq[-1]] += 1
    return out


def test_exhaustive_floats_need_a_tolerance() -> None:
    claim = Claim("t-half", x / 2, "=", x * sympy.Rational(1, 2), register=False)
    with pytest.raises(TypeError, match="tol"):
        claim.exhaustive([{x: 0.3}])
    assert claim.exhaustive([{x: 0.3}], tol=1e-12).tolerance == 1e-12


def test_search_reports_sharpness_and_needed_hypotheses() -> None:
    claim = rayleigh()
    record = claim.search(Space({H: Matrix(3, 3), w: Vector(3)}), trials=90, starts=3)
    assert record.kind == "falsification search"
    assert record.worst == pytest.approx(1.0, abs=1e-6)
    finding = claim.findings[-1]
    assert finding.tightened_refuted
    assert "H = H^{\\top}" in finding.needed


def test_search_finds_the_boundary_counterexample() -> None:
    claim = contraction()
    claim.search(CONTRACT_SPACE, trials=90, starts=2)
    needed = claim.findings[-1].needed
    assert set(needed) == {r"\eta > 0", r"H \succ 0", r"\eta < \frac{2}{\lambda_{\max}(H)}"}
    widened = Claim(
        "t-wide", claim.lhs, "<=", claim.rhs, given=[Q.positive_definite(H), eta < 3 / lam_max(H)]
    )
    with pytest.raises(ProofError):
        widened.search(CONTRACT_SPACE, trials=90, starts=2)


def test_claimed_sharpness_must_be_reached() -> None:
    claim = Claim("t-loose", sqnorm(w), "<=", 2 * sqnorm(w), sharp=True, register=False)
    with pytest.raises(ProofError, match="sharpness"):
        claim.search(Space({w: Vector(3)}), trials=30, starts=1)


def test_search_on_integers_and_equalities_are_refused() -> None:
    n = sympy.Symbol("n", integer=True)
    claim = Claim("t-int", n**2, ">=", n, register=False)
    claim.search(Space({n: Integer(-20, 20)}), trials=200, starts=0)
    with pytest.raises(ValueError, match="inequalities"):
        Claim("t-eq", x, "=", x, register=False).search(Space({x: Real()}))


# --- derivations belong to claims -----------------------------------------------------------


def test_derivation_must_end_at_the_claims_rhs() -> None:
    B = sympy.MatrixSymbol("B", 3, 3)
    claim = Claim("t-der", (B * B).T, "=", B.T * B.T)
    claim.derivation().eq(B.T * B.T, "transpose of a product").qed()
    other = Claim("t-der2", (B * B).T, "=", B * B)
    with pytest.raises(ProofError, match="end of the chain"):
        other.derivation().eq(B.T * B.T, "transpose of a product").qed()


def test_derivation_steps_take_assumptions_from_the_claim() -> None:
    S = sympy.MatrixSymbol("S", 3, 3)
    claim = Claim("t-dsym", (S * S).T, "=", S * S, given=[Q.symmetric(S)])
    chain = claim.derivation().eq(S.T * S.T, "transpose of a product").eq(S * S, "symmetry").qed()
    assert chain.record is not None
    with pytest.raises(ValueError, match="hypotheses"):
        claim.derivation().eq(S.T * S.T, "step", symmetric=[S])


def test_mutants_of_a_derived_claim_are_refuted_by_its_chain() -> None:
    from dlhw.proof import run_mutants

    S = sympy.MatrixSymbol("S", 3, 3)
    claim = Claim("t-dmut", (S * S).T, "=", S * S, given=[Q.symmetric(S)], register=False)
    claim.derivation().eq(S.T * S.T, "transpose of a product").eq(S * S, "symmetry").qed()
    results = run_mutants(claim)
    dropped = [r for r in results if "dropped" in r.description]
    assert dropped, [r.description for r in results]  # the hypothesis-drop mutant exists
    # the ends match for that mutant: only rechecking the steps without symmetry kills it
    assert all(r.status == "killed" for r in dropped)
    # the rest move a constant of a side, which the ends of the chain refute; removing the
    # transpose gives S S = S S, true, and so not killed
    moved = [r for r in results if "constant" in r.description]
    assert moved
    assert all(r.status == "killed" for r in moved)


def test_reasons_cannot_be_hand_typed_formulas() -> None:
    claim = Claim("t-reason", x + x, "=", 2 * x, register=False)
    with pytest.raises(ValueError, match="hand-typed"):
        claim.derivation().eq(2 * x, "$x + x = 2x$")
    claim.derivation().eq(2 * x, sympy.Eq(x + x, 2 * x, evaluate=False)).qed()


def test_relation_of_the_chain_must_match() -> None:
    r = sympy.Symbol("r", real=True)
    claim = Claim("t-rel", r**2, "=", r**2 + 1, register=False)
    with pytest.raises(ProofError):
        claim.derivation().le(r**2 + 1, "add one").qed()


# --- mutants --------------------------------------------------------------------------


def test_mutants_of_an_identity_are_killed() -> None:
    S = sympy.MatrixSymbol("S", 3, 3)
    T = sympy.MatrixSymbol("T", 3, 3)
    claim = Claim("t-m1", (2 * S * T + I3).T * S, "=", (2 * T.T * S.T + I3) * S)
    claim.identity()
    results = run_mutants(claim)
    assert results
    assert {r.status for r in results} == {"killed"}, [r for r in results if r.status != "killed"]


def test_mutants_of_a_bound_are_killed() -> None:
    claim = contraction()
    claim.true_mutants = {"lhs: constant -1 -> 0": "the identity map: equality"}
    claim.search(CONTRACT_SPACE, trials=90, starts=2)
    results = run_mutants(claim)
    survivors = [r for r in results if r.status not in ("killed", "true")]
    assert not survivors, survivors
    descriptions = {r.description for r in results}
    assert any("dropped" in d for d in descriptions)
    assert any("widened" in d for d in descriptions)


def test_a_weak_check_leaves_survivors() -> None:
    # checked only at w = 0: every mutant of the rhs survives, and the runner says so
    claim = Claim("t-weak", sqnorm(w), "<=", 2 * sqnorm(w), register=False)
    claim.exhaustive([{w: np.zeros((3, 1), dtype=int)}])
    results = run_mutants(claim)
    assert any(r.status == "survived" for r in results)


def test_true_mutants_are_declared_not_hidden() -> None:
    claim = Claim(
        "t-true",
        sqnorm(w),
        "<=",
        2 * sqnorm(w),
        true_mutants={"rhs: constant 2 -> 3": "weaker"},
        register=False,
    )
    claim.search(Space({w: Vector(3)}), trials=30, starts=1)
    statuses = {r.description: r.status for r in run_mutants(claim)}
    assert statuses["rhs: constant 2 -> 3"] == "true"
    assert statuses["rhs: constant 2 -> 1"] == "survived"  # 1 still holds: equality


def test_mutants_need_checks() -> None:
    with pytest.raises(ValueError, match="no recorded checks"):
        run_mutants(Claim("t-none", x, "=", x, register=False))


def test_exhaustive_inequalities_hold_at_equality_with_fractions() -> None:
    from fractions import Fraction

    third = Claim("t-third", x, "<=", sympy.Rational(1, 3), register=False)
    third.exhaustive([{x: Fraction(1, 3)}, {x: Fraction(-2, 7)}])  # equality, exactly
    strict = Claim("t-third-strict", x, "<", sympy.Rational(1, 3), register=False)
    with pytest.raises(ProofError):
        strict.exhaustive([{x: Fraction(1, 3)}])


def test_inverse_mutants_change_the_formula() -> None:
    from dlhw.proof.mutate import mutants_of

    A = sympy.MatrixSymbol("A", 2, 2)
    claim = Claim("t-inv", A.I * A, "=", sympy.Identity(2), given=[Q.invertible(A)], register=False)
    for mutant in mutants_of(claim):
        assert (mutant.lhs, mutant.rhs, mutant.given) != (claim.lhs, claim.rhs, claim.given)


# --- structural hypotheses imposed on random substitutions ------------------------------

V3 = sympy.MatrixSymbol("V", 3, 3)
S3 = sympy.MatrixSymbol("S", 3, 3)
A3 = sympy.MatrixSymbol("A", 3, 3)
W31 = sympy.MatrixSymbol("w", 3, 1)


def norm_kept(key: str) -> Claim:
    """``‖V w‖² = ‖w‖²`` for orthogonal ``V``: the claim the orthogonality tests use."""
    return Claim(
        key,
        (V3 * W31).T * (V3 * W31),
        "=",
        W31.T * W31,
        given=[sympy.Q.orthogonal(V3)],
        label=None,
        register=False,
    )


def test_orthogonal_hypothesis_draws_exact_orthogonal_matrices() -> None:
    kept = norm_kept("orth-norm")
    assert kept.identity().kind == "randomized identity"
    dropped = Claim(
        "orth-dropped", (V3 * W31).T * (V3 * W31), "=", W31.T * W31, label=None, register=False
    )
    with pytest.raises(ProofError):
        dropped.identity()


def test_orthogonal_samples_meet_reflections_too() -> None:
    # true for rotations only: the Cayley transforms alone would accept it
    rotations_only = Claim(
        "orth-det",
        sympy.Determinant(V3),
        "=",
        1,
        given=[sympy.Q.orthogonal(V3)],
        label=None,
        register=False,
    )
    with pytest.raises(ProofError):
        rotations_only.identity(trials=2)


def test_diagonal_hypothesis_commutes_diagonals_only() -> None:
    true = Claim("diag-t", S3.T, "=", S3, given=[sympy.Q.diagonal(S3)], label=None, register=False)
    assert true.identity().kind == "randomized identity"
    false = Claim(
        "diag-f", S3 * A3, "=", A3 * S3, given=[sympy.Q.diagonal(S3)], label=None, register=False
    )
    with pytest.raises(ProofError):
        false.identity()


def test_two_structures_on_one_symbol_are_refused() -> None:
    both = Claim(
        "two",
        V3,
        "=",
        V3.T,
        given=[sympy.Q.orthogonal(V3), sympy.Q.symmetric(V3)],
        label=None,
        register=False,
    )
    with pytest.raises(ValueError, match="two structural hypotheses"):
        both.identity()
    wide = sympy.MatrixSymbol("M", 2, 3)
    with pytest.raises(ValueError, match="square MatrixSymbol"):
        Claim(
            "wide", wide, "=", wide, given=[sympy.Q.orthogonal(wide)], label=None, register=False
        ).identity()


def test_derivation_steps_use_the_orthogonal_hypothesis() -> None:
    claim = norm_kept("orth-chain")
    claim.derivation().eq(W31.T * V3.T * V3 * W31, "transpose of a product").eq(
        W31.T * W31, "V^T V = I"
    ).qed()
    with pytest.raises(ProofError):
        claim.derivation().eq(W31.T * V3 * V3 * W31, "wrong transpose").eq(
            W31.T * W31, "V^T V = I"
        ).qed()


def test_exhaustive_cases_outside_the_hypotheses_may_be_undefined() -> None:
    # 1/x * x = 1 needs x != 0; at x = 0 the claim does not evaluate: that shows the
    # hypothesis is needed, it is not a failure of the claim
    x = sympy.Symbol("x", integer=True)
    claim = Claim(
        "inv", (x**2 - x) / x, "=", x - 1, given=[sympy.Ne(x, 0)], label=None, register=False
    )
    record = claim.exhaustive([{x: v} for v in range(-3, 4)])
    assert "hypotheses shown needed" in record.detail
    assert "does not evaluate" in next(iter(claim.findings[-1].needed.values()))
    # inside the hypotheses an undefined case is still an error
    bad = Claim("inv2", (x**2 - x) / x, "=", x - 1, given=[x >= 0], label=None, register=False)
    with pytest.raises(ProofError, match="evaluation"):
        bad.exhaustive([{x: v} for v in range(4)])
