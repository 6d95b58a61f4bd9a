"""The executable-proof kernel: four kinds of check, each able to fail.

* :func:`identity` -- an equality of expressions, exact for scalars, randomized exact
  substitution for matrix expressions;
* :class:`Derivation` -- a chain of checked steps that renders itself as LaTeX;
* :func:`exhaustive` -- a predicate over every case of a finite family;
* :func:`bound` -- an inequality attacked by random and adversarial search.

Each returns a :class:`CheckRecord` and raises :class:`ProofError` when the claim is
false. :func:`what_was_checked` tabulates the records of a page.
"""

from dlhw.proof.bound import bound
from dlhw.proof.derivation import Derivation
from dlhw.proof.exhaustive import exhaustive
from dlhw.proof.identity import identity
from dlhw.proof.records import KINDS, CheckRecord, ProofError, clear_records, records
from dlhw.proof.report import RECORDS_KEY, CheckTable, what_was_checked

__all__ = [
    "KINDS",
    "RECORDS_KEY",
    "CheckRecord",
    "CheckTable",
    "Derivation",
    "ProofError",
    "bound",
    "clear_records",
    "exhaustive",
    "identity",
    "records",
    "what_was_checked",
]
