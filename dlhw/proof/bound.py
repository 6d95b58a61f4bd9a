"""Falsification search for inequalities that cannot be settled exactly.

A claim ``lhs(z) <= rhs(z)`` for all instances ``z`` is attacked twice: on random
instances, then by adversarial search that maximises the ratio ``lhs / rhs`` from the
worst random instances (L-BFGS-B with finite differences over the instance vector).
Surviving both is evidence, not proof; the record reports the worst ratio found.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

from dlhw.proof.guards import budget, tolerance
from dlhw.proof.records import (
    CheckRecord,
    ProofError,
    Stopwatch,
    log,
    optional_label,
    require_text,
)

Instance = np.ndarray
Side = Callable[[Instance], float]


class _Attack:
    """Evaluates the claim, remembers the worst ratio and stops at a violation."""

    def __init__(self, claim: str, lhs: Side, rhs: Side, rtol: float, atol: float) -> None:
        self.claim, self.lhs, self.rhs, self.rtol, self.atol = claim, lhs, rhs, rtol, atol
        self.evaluations = 0
        self.worst = -np.inf

    def ratio(self, z: Instance) -> float:
        left, right = float(self.lhs(z)), float(self.rhs(z))
        self.evaluations += 1
        if not (np.isfinite(left) and np.isfinite(right)):
            raise ProofError(
                self.claim,
                f"evaluation {self.evaluations}",
                f"non-finite side (lhs={left}, rhs={right}) at z={z!r}: not established",
            )
        if left > right + self.atol + self.rtol * abs(right):
            ratio = left / right if right > 0 else np.inf
            raise ProofError(
                self.claim,
                f"evaluation {self.evaluations}",
                f"lhs = {left:.10g} > rhs = {right:.10g} (ratio {ratio:.6g}) at z={z!r}",
            )
        if right > 0:
            self.worst = max(self.worst, left / right)
            return left / right
        return 0.0


def bound(
    lhs: Side,
    rhs: Side,
    sample: Callable[[np.random.Generator], Instance],
    *,
    claim: str,
    label: str | None = None,
    trials: int = 200,
    starts: int = 4,
    maxiter: int = 100,
    seed: int = 0,
    rtol: float = 1e-9,
    atol: float = 1e-12,
) -> CheckRecord:
    """Try to falsify ``lhs(z) <= rhs(z)``; return the worst ratio found.

    Parameters
    ----------
    lhs, rhs
        Functions of an instance vector ``z`` (a 1-D float array) returning floats.
    sample
        ``sample(rng)`` draws a random instance vector.
    claim
        The claim in words.
    label
        The label of the theorem or lemma the check supports.
    trials
        Number of random instances.
    starts
        Number of adversarial searches, started from the worst random instances
        (0 disables the search).
    maxiter
        Iterations of each adversarial search.
    seed
        Seed of the random instances.
    rtol, atol
        Tolerances for floating-point rounding: a violation is
        ``lhs > rhs + atol + rtol * |rhs|``.

    Returns
    -------
    CheckRecord
        Kind ``"falsification search"``; ``worst`` is the largest ``lhs / rhs`` seen
        over instances with ``rhs > 0`` (below 1 means the bound held with room).

    Raises
    ------
    ProofError
        With the instance that violates the claim.

    Examples
    --------
    >>> rng_sample = lambda rng: rng.normal(size=3)
    >>> rec = bound(lambda z: abs(z.sum()), lambda z: np.abs(z).sum(), rng_sample,
    ...             claim="triangle inequality")
    >>> rec.worst <= 1
    True
    >>> bound(lambda z: z @ z, lambda z: abs(z.sum()), rng_sample, claim="false")
    Traceback (most recent call last):
    ...
    dlhw.proof.records.ProofError: claim 'false' failed at evaluation ...
    """
    text = require_text(claim, "claim")
    label = optional_label(label)
    trials = budget(trials, "trials")
    starts = budget(starts, "starts", minimum=0)
    maxiter = budget(maxiter, "maxiter")
    rtol, atol = tolerance(rtol, "rtol"), tolerance(atol, "atol")
    clock = Stopwatch()
    attack = _Attack(text, lhs, rhs, rtol, atol)
    rng = np.random.default_rng(seed)
    instances = []
    for _ in range(trials):
        z = np.asarray(sample(rng), dtype=float)
        if z.ndim != 1 or z.size == 0:
            raise ValueError(f"sample must return a non-empty 1-D array, got shape {z.shape}")
        instances.append((attack.ratio(z), z))
    instances.sort(key=lambda pair: pair[0], reverse=True)
    for _, z0 in instances[:starts]:
        optimize.minimize(
            lambda z: -attack.ratio(z) if np.all(np.isfinite(z)) else 0.0,
            z0,
            method="L-BFGS-B",
            options={"maxiter": maxiter},
        )
    detail = f"{trials} random instances, {min(starts, trials)} adversarial searches"
    return log(
        CheckRecord(
            text,
            "falsification search",
            attack.evaluations,
            float(attack.worst),
            clock.seconds,
            label,
            detail,
        )
    )
