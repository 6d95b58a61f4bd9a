"""The executable-proof kernel: claims as objects, four kinds of check, and experiments.

* :class:`~dlhw.proof.claim.Claim` -- a statement built once from sympy (relation,
  hypotheses, named constants): it renders the formula the reader sees and drives its
  own checks;
* :func:`~dlhw.proof.identity.identity` -- an equality of expressions, exact for
  scalars, randomized exact substitution for matrix expressions;
* :class:`~dlhw.proof.derivation.Derivation` -- a chain of checked steps that renders
  itself as LaTeX;
* :func:`~dlhw.proof.exhaustive.exhaustive` -- a predicate over every case of a finite
  family;
* :class:`~dlhw.proof.space.Space` and :meth:`~dlhw.proof.claim.Claim.search` -- an
  inequality attacked on random, boundary and extremal instances and by an optimiser;
* :func:`~dlhw.proof.experiment.experiment` -- a measurement, shown but never counted
  as evidence.

Each check returns a :class:`~dlhw.proof.records.CheckRecord` and raises
:class:`~dlhw.proof.records.ProofError` when the claim is
false. :func:`~dlhw.proof.report.what_was_checked` tabulates the records of a page.
"""

from dlhw.proof.bound import bound
from dlhw.proof.claim import Claim, claims, clear_claims
from dlhw.proof.derivation import Derivation
from dlhw.proof.exhaustive import exhaustive
from dlhw.proof.experiment import experiment
from dlhw.proof.identity import identity
from dlhw.proof.mutate import MutantResult, run_mutants
from dlhw.proof.notation import defined
from dlhw.proof.records import (
    EXPERIMENT,
    KINDS,
    CheckRecord,
    ProofError,
    clear_records,
    records,
)
from dlhw.proof.report import RECORDS_KEY, CheckTable, what_was_checked
from dlhw.proof.space import Integer, Matrix, Real, Space, Vector

__all__ = [
    "EXPERIMENT",
    "KINDS",
    "RECORDS_KEY",
    "CheckRecord",
    "CheckTable",
    "Claim",
    "Derivation",
    "Integer",
    "Matrix",
    "MutantResult",
    "ProofError",
    "Real",
    "Space",
    "Vector",
    "bound",
    "claims",
    "clear_claims",
    "clear_records",
    "defined",
    "exhaustive",
    "experiment",
    "identity",
    "records",
    "run_mutants",
    "what_was_checked",
]
