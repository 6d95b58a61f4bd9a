"""The falsification search: random, boundary and extremal instances, then an optimiser.

An inequality ``lhs <= rhs`` (or ``<``) over an instance space is attacked in two phases:

1. instances drawn by the space in its three modes (generic, at the boundary of every
   hypothesis, along extremal directions), each evaluated;
2. from the instances that came closest to failing, an optimiser (L-BFGS-B, then
   Nelder–Mead) maximises the normalised gap ``(lhs - rhs) / (|lhs| + |rhs|)`` over the
   space's unconstrained coordinates, so it never leaves the hypotheses.

A non-finite side (``inf``, ``nan``) anywhere, in either phase, is a failure: a bound
that cannot be evaluated on an admissible instance is not established. The search
reports the largest ratio ``lhs / rhs`` met (over instances with ``rhs > 0``) and the
instance where it was met.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from scipy import optimize

from dlhw.proof.evaluate import Compiled, EvaluationError, as_scalar
from dlhw.proof.space import MODES, Constraints, Space


@dataclass
class ViolationError(Exception):
    """The claim failed at ``instance``: ``lhs`` against ``rhs``."""

    instance: dict[sympy.Basic, Any]
    lhs: float
    rhs: float
    phase: str
    evaluations: int

    def __str__(self) -> str:
        ratio = self.lhs / self.rhs if self.rhs > 0 else math.inf
        return (
            f"{self.phase}: lhs = {self.lhs:.10g}, rhs = {self.rhs:.10g} (ratio {ratio:.6g}) "
            f"at {describe(self.instance)}"
        )


@dataclass
class Outcome:
    """What a search that found no violation saw."""

    evaluations: int
    worst_ratio: float
    worst_gap: float
    worst_instance: dict[sympy.Basic, Any] | None
    rejected: int


def describe(instance: Mapping[sympy.Basic, Any], limit: int = 400) -> str:
    """Render an instance shortly and readably."""
    parts = []
    for symbol, value in instance.items():
        if str(symbol).startswith("_"):
            continue
        if isinstance(value, np.ndarray):
            text = np.array2string(
                np.asarray(value, dtype=float), precision=4, threshold=30, separator=", "
            )
        elif isinstance(value, float):
            text = f"{value:.6g}"
        else:
            text = str(value)
        parts.append(f"{symbol}={text}")
    out = ", ".join(parts)
    return out if len(out) <= limit else out[:limit] + " ..."


class Attack:
    """Evaluates a claim on instances, remembering the worst and stopping at a failure."""

    def __init__(
        self,
        lhs: Compiled,
        rhs: Compiled,
        *,
        strict: bool,
        rtol: float,
        atol: float,
        rules: Constraints,
    ) -> None:
        self.lhs, self.rhs, self.strict = lhs, rhs, strict
        self.rtol, self.atol, self.rules = rtol, atol, rules
        self.evaluations = 0
        self.rejected = 0
        self.worst_ratio = -math.inf
        self.worst_gap = -math.inf
        self.worst_instance: dict[sympy.Basic, Any] | None = None

    def admissible(self, env: Mapping[sympy.Basic, Any]) -> bool:
        """Whether ``env`` satisfies the hypotheses enforced by rejection."""
        try:
            if any(not bool(check(env)) for _, check in self.rules.checks):
                return False
            if self.rules.violate is not None and bool(self.rules.violate[1](env)):
                return False
        except (EvaluationError, ValueError, np.linalg.LinAlgError, FloatingPointError):
            return False
        return True

    def gap(self, env: dict[sympy.Basic, Any], phase: str) -> float:
        """Return the normalised gap at ``env``; raise :class:`ViolationError` on failure."""
        with np.errstate(all="ignore"):
            try:
                left = float(as_scalar(self.lhs(env)))
                right = float(as_scalar(self.rhs(env)))
            except (ZeroDivisionError, np.linalg.LinAlgError, OverflowError) as err:
                raise ViolationError(
                    env, math.nan, math.nan, f"{phase} (cannot evaluate: {err})", self.evaluations
                ) from None
        self.evaluations += 1
        if not (math.isfinite(left) and math.isfinite(right)):
            raise ViolationError(env, left, right, f"{phase} (non-finite side)", self.evaluations)
        slack = self.atol + self.rtol * max(abs(left), abs(right))
        failed = left >= right if self.strict else left > right + slack
        if failed:
            raise ViolationError(env, left, right, phase, self.evaluations)
        gap = (left - right) / (abs(left) + abs(right) + 1e-300)
        if right > 0 and left / right > self.worst_ratio:
            self.worst_ratio = left / right
            self.worst_instance = dict(env)
        self.worst_gap = max(self.worst_gap, gap)
        return gap


def run_search(
    space: Space,
    attack: Attack,
    definitions: list[tuple[sympy.Basic, Compiled, set[sympy.Basic]]],
    *,
    rng: np.random.Generator,
    trials: int,
    starts: int,
    maxiter: int,
    phase: str = "search",
) -> Outcome:
    """Draw ``trials`` admissible instances, then optimise from the ``starts`` worst."""
    pool: list[tuple[float, dict[sympy.Basic, Any]]] = []
    drawn = 0
    attempts = 0
    while drawn < trials:
        attempts += 1
        if attempts > 50 * trials + 100:
            raise ValueError(
                f"could not draw admissible instances: {attack.rejected} of {attempts} "
                "violated a hypothesis enforced by rejection (make the space satisfy it)"
            )
        mode = MODES[drawn % len(MODES)]
        try:
            env = space.draw(rng, mode, attack.rules, definitions)
        except (EvaluationError, np.linalg.LinAlgError):
            attack.rejected += 1
            continue
        if not attack.admissible(env):
            attack.rejected += 1
            continue
        drawn += 1
        pool.append((attack.gap(env, f"{phase}, {mode} instance {drawn}"), env))
    pool.sort(key=lambda item: item[0], reverse=True)
    for index, (_, start) in enumerate(pool[:starts]):
        _optimise(
            space,
            attack,
            definitions=definitions,
            start=start,
            maxiter=maxiter,
            phase=f"{phase}, adversarial search {index + 1}",
        )
    return Outcome(
        attack.evaluations,
        attack.worst_ratio,
        attack.worst_gap,
        attack.worst_instance,
        attack.rejected,
    )


def _optimise(
    space: Space,
    attack: Attack,
    *,
    definitions: list[tuple[sympy.Basic, Compiled, set[sympy.Basic]]],
    start: dict[sympy.Basic, Any],
    maxiter: int,
    phase: str,
) -> None:
    z0 = space.encode(start, attack.rules)
    if z0.size == 0 or not np.all(np.isfinite(z0)):
        return

    def objective(z: np.ndarray) -> float:
        if not np.all(np.isfinite(z)):
            return 1.0
        try:
            env = space.decode(z, start, attack.rules, definitions)
        except (EvaluationError, np.linalg.LinAlgError, ValueError):
            return 1.0
        if not attack.admissible(env):
            return 1.0
        return -attack.gap(env, phase)

    with np.errstate(all="ignore"):
        result = optimize.minimize(objective, z0, method="L-BFGS-B", options={"maxiter": maxiter})
        optimize.minimize(
            objective,
            result.x if np.all(np.isfinite(result.x)) else z0,
            method="Nelder-Mead",
            options={"maxiter": maxiter, "maxfev": 4 * maxiter, "xatol": 1e-10, "fatol": 1e-14},
        )
