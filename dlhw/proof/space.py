r"""Instance spaces: the structured families that falsification searches range over.

A :class:`Space` names each variable of a claim and says what it is — a real number, an
integer, a vector, a matrix of some kind (general, symmetric, positive semidefinite,
positive definite, orthogonal, diagonal, of bounded rank). The hypotheses of the claim
narrow it further: a bound ``0 < \eta < 2 / \lambda_{\max}(H)`` becomes the interval the
step is drawn from, ``Q.symmetric(A)`` makes ``A`` symmetric. The space then

* draws instances three ways: *random* (generic), *boundary* (every hypothesis at its
  limit: a step next to its bound, a matrix next to singular, condition numbers up to
  ``1e6``), and *extremal* (vectors along the eigen- and singular vectors of the
  matrices already drawn, where bounds on quadratic forms are attained);
* encodes and decodes instances as one unconstrained real vector, so that an optimiser
  can push the claim towards failure without ever leaving the hypotheses (pages write
  no packers);
* with a hypothesis *dropped*, draws instances that violate it, to show why it is
  needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from dlhw.proof.evaluate import Compiled, EvaluationError, as_scalar, compile_numeric

MODES = ("random", "boundary", "extremal")
#: Relative distance from a bound at which boundary instances are drawn.
BOUNDARY_OFFSETS = (1e-9, 1e-6, 1e-3, 1e-1)
_MATRIX_KINDS = ("general", "symmetric", "psd", "pd", "orthogonal", "diagonal")


@dataclass(frozen=True)
class Real:
    """A real number of typical magnitude ``scale``.

    A space states no bounds of its own: the bounds on a real variable come from the
    claim — the symbol's assumptions (``positive=True``) and the hypotheses
    (``eta < 2 / L``) — so nothing the reader cannot see restricts the search. Without
    bounds, magnitudes are drawn log-uniformly over ``[scale / 1000, 1000 scale]``.
    """

    scale: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.scale, bool) or not (
            math.isfinite(float(self.scale)) and self.scale > 0
        ):
            raise ValueError(f"Real.scale must be a finite number > 0, got {self.scale!r}")


@dataclass(frozen=True)
class Integer:
    """An integer in ``[low, high]`` (not moved by the optimiser)."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if not (isinstance(self.low, int) and isinstance(self.high, int)) or self.low > self.high:
            raise ValueError(f"Integer needs integers low <= high, got [{self.low}, {self.high}]")


@dataclass(frozen=True)
class Vector:
    """A real column vector (an ``n x 1`` matrix symbol)."""

    n: int

    def __post_init__(self) -> None:
        if not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"Vector needs a positive length, got {self.n!r}")


@dataclass(frozen=True)
class Matrix:
    """A real matrix of a given kind, optionally of rank at most ``rank``.

    ``kind`` is one of ``general``, ``symmetric``, ``psd`` (positive semidefinite),
    ``pd`` (positive definite), ``orthogonal``, ``diagonal``.
    """

    rows: int
    cols: int
    kind: str = "general"
    rank: int | None = None
    cond: float = 1e6

    def __post_init__(self) -> None:
        if not all(isinstance(s, int) and s >= 1 for s in (self.rows, self.cols)):
            raise ValueError(f"Matrix needs positive integer sizes, got {self.rows} x {self.cols}")
        if self.kind not in _MATRIX_KINDS:
            raise ValueError(f"Matrix.kind must be one of {_MATRIX_KINDS}, got {self.kind!r}")
        if self.kind != "general" and self.rows != self.cols:
            raise ValueError(f"a {self.kind} matrix must be square, got {self.rows} x {self.cols}")
        if self.rank is not None and not 0 <= self.rank <= min(self.rows, self.cols):
            raise ValueError(
                f"Matrix.rank must lie in [0, {min(self.rows, self.cols)}], got {self.rank}"
            )
        if not (math.isfinite(self.cond) and self.cond >= 1):
            raise ValueError(f"Matrix.cond must be a finite number >= 1, got {self.cond}")


Spec = Real | Integer | Vector | Matrix


@dataclass
class Bound:
    """A bound ``variable < expr`` (``upper``) or ``variable > expr`` from a hypothesis."""

    expr: Compiled
    upper: bool
    strict: bool
    source: sympy.Basic


@dataclass
class Constraints:
    """What the hypotheses of a claim impose on the variables of a space."""

    kinds: dict[sympy.Basic, str] = field(default_factory=dict)
    full_rank: set[sympy.Basic] = field(default_factory=set)
    bounds: dict[sympy.Basic, list[Bound]] = field(default_factory=dict)
    checks: list[tuple[sympy.Basic, Compiled]] = field(default_factory=list)
    violate: tuple[sympy.Basic, Compiled] | None = None
    beyond: Bound | None = None
    beyond_symbol: sympy.Basic | None = None
    break_kind: tuple[sympy.Basic, str] | None = None


def _random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


def _spectrum(count: int, rng: np.random.Generator, mode: str, cond: float) -> np.ndarray:
    """Positive magnitudes: generic, or spread over up to ``cond`` in boundary mode."""
    scale = 10.0 ** rng.uniform(-2, 2)
    if mode == "boundary" and count > 1:
        spread = 10.0 ** rng.uniform(0, math.log10(cond))
        values = np.exp(rng.uniform(0, math.log(spread), size=count))
        values[rng.integers(count)] = spread
        values[rng.integers(count)] = 1.0
    else:
        values = np.abs(rng.normal(size=count)) + 0.1
    return np.asarray(np.sort(values)[::-1] * scale / max(values.max(), 1e-300))


class Space:
    r"""The variables of a claim and what each is.

    Parameters
    ----------
    variables
        A mapping from sympy symbols (``Symbol`` for numbers, ``MatrixSymbol`` for
        vectors and matrices) to :class:`Real`, :class:`Integer`, :class:`Vector` or
        :class:`Matrix`, in the order in which they are drawn: a bound that depends on a
        matrix must come after it.

    Examples
    --------
    >>> import sympy
    >>> X = sympy.MatrixSymbol("X", 3, 2)
    >>> eta = sympy.Symbol("eta", positive=True)
    >>> space = Space({X: Matrix(3, 2), eta: Real()})
    >>> instance = space.draw(np.random.default_rng(0), "boundary")
    >>> instance[X].shape, instance[eta] > 0
    ((3, 2), True)
    """

    def __init__(self, variables: Mapping[sympy.Basic, Spec]) -> None:
        if not isinstance(variables, Mapping) or not variables:
            raise TypeError("variables must be a non-empty mapping from sympy symbols to specs")
        self.variables: dict[sympy.Basic, Spec] = {}
        for symbol, spec in variables.items():
            if isinstance(spec, Vector | Matrix):
                if not isinstance(symbol, sympy.MatrixSymbol):
                    raise TypeError(
                        f"{symbol} must be a sympy.MatrixSymbol for a {type(spec).__name__}"
                    )
                want = (spec.n, 1) if isinstance(spec, Vector) else (spec.rows, spec.cols)
                if tuple(int(s) for s in symbol.shape) != want:
                    raise ValueError(
                        f"{symbol} is {symbol.shape[0]} x {symbol.shape[1]}, "
                        f"but its spec says {want}"
                    )
            elif isinstance(spec, Real | Integer):
                if not isinstance(symbol, sympy.Symbol):
                    raise TypeError(f"{symbol} must be a sympy.Symbol for a {type(spec).__name__}")
            else:
                raise TypeError(
                    f"the spec of {symbol} must be Real, Integer, Vector or Matrix, got {spec!r}"
                )
            self.variables[symbol] = spec

    def __repr__(self) -> str:
        inner = ", ".join(f"{s}: {spec}" for s, spec in self.variables.items())
        return f"Space({inner})"

    def aligned(self, symbols: set[sympy.Basic]) -> Space:
        """Return the space keyed by the claim's symbols of the same names.

        A claim's mutant may rename nothing but change a symbol's assumptions (a
        positive ``eta`` becomes a real one): the space follows the claim's symbols, so
        their assumptions, not the space's, decide the domain.
        """
        by_name = {str(s): s for s in symbols if isinstance(s, sympy.Symbol | sympy.MatrixSymbol)}
        twin = Space.__new__(Space)
        twin.variables = {by_name.get(str(k), k): v for k, v in self.variables.items()}
        return twin

    # --- drawing ------------------------------------------------------------------

    def draw(
        self,
        rng: np.random.Generator,
        mode: str = "random",
        constraints: Constraints | None = None,
        definitions: list[tuple[sympy.Basic, Compiled, set[sympy.Basic]]] | None = None,
    ) -> dict[sympy.Basic, Any]:
        """Draw one instance in ``mode`` (``random``, ``boundary`` or ``extremal``)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        rules = constraints or Constraints()
        env: dict[sympy.Basic, Any] = {}
        pending = list(definitions or [])
        for symbol, spec in self.variables.items():
            if isinstance(spec, Matrix):
                env[symbol] = self._matrix(symbol, spec, rng, mode, rules)
            elif isinstance(spec, Vector):
                env[symbol] = self._vector(spec, rng, mode, env)
            elif isinstance(spec, Integer):
                env[symbol] = self._integer(
                    symbol, spec=spec, rng=rng, mode=mode, rules=rules, env=env
                )
            else:
                env[symbol] = self._real(
                    symbol, spec=spec, rng=rng, mode=mode, rules=rules, env=env
                )
            pending = _define_ready(env, pending)
        return env

    def _matrix(
        self,
        symbol: sympy.Basic,
        spec: Matrix,
        rng: np.random.Generator,
        mode: str,
        rules: Constraints,
    ) -> np.ndarray:
        kind = rules.kinds.get(symbol, spec.kind)
        broken = rules.break_kind is not None and rules.break_kind[0] == symbol
        if broken:
            return self._broken_matrix(spec, rules.break_kind[1], rng)  # type: ignore[index]
        full_rank = symbol in rules.full_rank
        n, m = spec.rows, spec.cols
        if kind == "orthogonal":
            return _random_orthogonal(n, rng)
        if kind in ("symmetric", "psd", "pd", "diagonal"):
            values = _spectrum(n, rng, mode, spec.cond)
            if kind == "symmetric":
                values = values * rng.choice([-1.0, 1.0], size=n)
            if mode == "boundary" and kind in ("psd", "pd"):
                values[-1] = values[0] * (
                    0.0 if kind == "psd" and rng.random() < 0.5 else 10.0 ** -rng.uniform(6, 12)
                )
            if spec.rank is not None:
                values[spec.rank :] = 0.0
            if kind == "diagonal":
                return np.diag(rng.permutation(values))
            q = _random_orthogonal(n, rng)
            out = (q * values) @ q.T
            return np.asarray((out + out.T) / 2)
        rank = min(n, m) if spec.rank is None else spec.rank
        if mode == "random" and rng.random() < 0.5 and spec.rank is None:
            return np.asarray(rng.normal(size=(n, m)) * 10.0 ** rng.uniform(-1, 1))
        values = _spectrum(min(n, m), rng, mode, spec.cond)
        if mode == "boundary" and full_rank:
            values[-1] = values[0] * 10.0 ** -rng.uniform(6, 12)
        values[rank:] = 0.0
        u, v = (
            _random_orthogonal(n, rng)[:, : min(n, m)],
            _random_orthogonal(m, rng)[:, : min(n, m)],
        )
        return np.asarray((u * values) @ v.T)

    @staticmethod
    def _broken_matrix(spec: Matrix, kind: str, rng: np.random.Generator) -> np.ndarray:
        """Draw a matrix that violates ``kind`` (the hypothesis being dropped)."""
        n, m = spec.rows, spec.cols
        if kind == "fullrank":
            rank = int(rng.integers(0, min(n, m)))
            return rng.normal(size=(n, rank)) @ rng.normal(size=(rank, m))
        if kind in ("psd", "pd"):
            q = _random_orthogonal(n, rng)
            values = rng.normal(size=n)
            values[0] = -abs(values[0]) - 0.1
            return np.asarray((q * values) @ q.T)
        return rng.normal(size=(n, m))  # not symmetric / orthogonal / diagonal

    @staticmethod
    def _vector(
        spec: Vector, rng: np.random.Generator, mode: str, env: Mapping[sympy.Basic, Any]
    ) -> np.ndarray:
        n = spec.n
        scale = 10.0 ** rng.uniform(-2, 2)
        if mode == "extremal":
            directions = _directions(n, env)
            if directions:
                basis = directions[int(rng.integers(len(directions)))]
                pick = rng.random()
                vec: np.ndarray
                if pick < 0.4:
                    vec = basis[:, 0]
                elif pick < 0.8:
                    vec = basis[:, -1]
                else:
                    mask = rng.random(basis.shape[1]) < 0.3
                    coef = np.where(mask, rng.normal(size=basis.shape[1]), 0.0)
                    coef[[0, -1]] += rng.normal(size=2)
                    vec = basis @ coef
                norm = np.linalg.norm(vec)
                if norm > 0:
                    return np.asarray((vec / norm * scale * rng.choice([-1.0, 1.0])).reshape(n, 1))
        return np.asarray((rng.normal(size=n) * scale).reshape(n, 1))

    @staticmethod
    def _interval(
        symbol: sympy.Basic,
        spec: Real | Integer,
        rules: Constraints,
        env: Mapping[sympy.Basic, Any],
    ) -> tuple[float, float, bool, bool]:
        if isinstance(spec, Integer):
            low, high = float(spec.low), float(spec.high)
            low_strict = high_strict = False
        else:
            low, high, low_strict, high_strict = -math.inf, math.inf, True, True
            if symbol.is_positive:
                low = 0.0
            elif symbol.is_nonnegative:
                low, low_strict = 0.0, False
            if symbol.is_negative:
                high = 0.0
            elif symbol.is_nonpositive:
                high, high_strict = 0.0, False
        for bound in rules.bounds.get(symbol, []):
            value = float(as_scalar(bound.expr(env)))
            if bound.upper and value <= high:
                high, high_strict = value, bound.strict
            elif not bound.upper and value >= low:
                low, low_strict = value, bound.strict
        return low, high, low_strict, high_strict

    def _real(
        self,
        symbol: sympy.Basic,
        *,
        spec: Real,
        rng: np.random.Generator,
        mode: str,
        rules: Constraints,
        env: Mapping[sympy.Basic, Any],
    ) -> float:
        low, high, low_strict, high_strict = self._interval(symbol, spec, rules, env)
        if rules.beyond is not None and rules.beyond_symbol == symbol:
            return _beyond(rules.beyond, env, low, high, rng)
        if not low < high:
            raise EvaluationError(f"the hypotheses leave no room for {symbol}: [{low}, {high}]")
        if mode == "boundary":
            offset = BOUNDARY_OFFSETS[int(rng.integers(len(BOUNDARY_OFFSETS)))]
            ends = [e for e in (low, high) if math.isfinite(e)]
            if ends:
                end = ends[int(rng.integers(len(ends)))]
                width = (high - low) if math.isfinite(high - low) else max(abs(end), 1.0)
                strict = low_strict if end == low else high_strict
                step = 0.0 if (not strict and rng.random() < 0.3) else offset * width
                return end + step if end == low else end - step
        return _uniform(low, high, spec.scale, rng)

    def _integer(
        self,
        symbol: sympy.Basic,
        *,
        spec: Integer,
        rng: np.random.Generator,
        mode: str,
        rules: Constraints,
        env: Mapping[sympy.Basic, Any],
    ) -> int:
        low, high, low_strict, high_strict = self._interval(symbol, spec, rules, env)
        lo = math.floor(low) + 1 if low_strict and float(low).is_integer() else math.ceil(low)
        hi = math.ceil(high) - 1 if high_strict and float(high).is_integer() else math.floor(high)
        if lo > hi:
            raise EvaluationError(f"the hypotheses leave no integer for {symbol}: [{low}, {high}]")
        if mode == "boundary":
            return int(rng.choice([lo, hi]))
        return int(rng.integers(lo, hi + 1))

    # --- the optimiser's coordinates ---------------------------------------------------

    def encode(
        self, instance: Mapping[sympy.Basic, Any], rules: Constraints | None = None
    ) -> np.ndarray:
        """Return the unconstrained coordinates of ``instance`` (inverse of :meth:`decode`)."""
        rules = rules or Constraints()
        parts: list[np.ndarray] = []
        env: dict[sympy.Basic, Any] = {}
        for symbol, spec in self.variables.items():
            value = instance[symbol]
            env[symbol] = value
            if isinstance(spec, Matrix):
                kind = self._kind(symbol, spec, rules)
                parts.append(_encode_matrix(np.asarray(value, dtype=float), kind))
            elif isinstance(spec, Vector):
                parts.append(np.asarray(value, dtype=float).reshape(-1))
            elif isinstance(spec, Real):
                low, high, *_ = self._interval_for_codec(symbol, spec, rules, instance)
                parts.append(np.array([_to_free(float(value), low, high)]))
        return np.concatenate(parts) if parts else np.zeros(0)

    def decode(
        self,
        z: np.ndarray,
        template: Mapping[sympy.Basic, Any],
        rules: Constraints | None = None,
        definitions: list[tuple[sympy.Basic, Compiled, set[sympy.Basic]]] | None = None,
    ) -> dict[sympy.Basic, Any]:
        """Return the instance at coordinates ``z``; integers come from ``template``."""
        rules = rules or Constraints()
        env: dict[sympy.Basic, Any] = {}
        pending = list(definitions or [])
        at = 0
        for symbol, spec in self.variables.items():
            if isinstance(spec, Matrix):
                kind = self._kind(symbol, spec, rules)
                size = _matrix_size(spec, kind)
                env[symbol] = _decode_matrix(z[at : at + size], spec, kind)
                at += size
            elif isinstance(spec, Vector):
                env[symbol] = np.asarray(z[at : at + spec.n], dtype=float).reshape(spec.n, 1)
                at += spec.n
            elif isinstance(spec, Real):
                low, high, *_ = self._interval_for_codec(symbol, spec, rules, env)
                env[symbol] = _from_free(float(z[at]), low, high)
                at += 1
            else:
                env[symbol] = template[symbol]
            pending = _define_ready(env, pending)
        return env

    def _kind(self, symbol: sympy.Basic, spec: Matrix, rules: Constraints) -> str:
        if rules.break_kind is not None and rules.break_kind[0] == symbol:
            return "general"
        return rules.kinds.get(symbol, spec.kind)

    def _interval_for_codec(
        self, symbol: sympy.Basic, spec: Real, rules: Constraints, env: Mapping[sympy.Basic, Any]
    ) -> tuple[float, float, bool, bool]:
        low, high, ls, hs = self._interval(symbol, spec, rules, env)
        if rules.beyond is not None and rules.beyond_symbol == symbol:
            edge = float(as_scalar(rules.beyond.expr(env)))
            return (edge, high, ls, hs) if rules.beyond.upper else (low, edge, ls, hs)
        return low, high, ls, hs


def _define_ready(
    env: dict[sympy.Basic, Any], pending: list[tuple[sympy.Basic, Compiled, set[sympy.Basic]]]
) -> list[tuple[sympy.Basic, Compiled, set[sympy.Basic]]]:
    """Evaluate every definition whose ingredients are now known; return the rest."""
    progress = True
    while progress:
        progress = False
        rest = []
        for symbol, compiled, needs in pending:
            if needs <= env.keys():
                env[symbol] = as_scalar(compiled(env))
                progress = True
            else:
                rest.append((symbol, compiled, needs))
        pending = rest
    return pending


def _directions(n: int, env: Mapping[sympy.Basic, Any]) -> list[np.ndarray]:
    """Orthonormal bases of R^n from the matrices known so far (eigen/singular vectors)."""
    bases = []
    for value in env.values():
        if not isinstance(value, np.ndarray) or value.ndim != 2 or min(value.shape) < 2:
            continue
        matrix = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(matrix)):
            continue
        if matrix.shape == (n, n) and np.allclose(matrix, matrix.T):
            _, vectors = np.linalg.eigh(matrix)
            bases.append(vectors[:, ::-1])
            continue
        u, _, vt = np.linalg.svd(matrix)
        if matrix.shape[1] == n:
            bases.append(vt.T)
        if matrix.shape[0] == n:
            bases.append(u)
    return bases


def _uniform(low: float, high: float, scale: float, rng: np.random.Generator) -> float:
    if math.isfinite(low) and math.isfinite(high):
        if low > 0 and high / low > 100 and rng.random() < 0.5:
            return float(math.exp(rng.uniform(math.log(low), math.log(high))))
        return float(rng.uniform(low, high))
    magnitude = scale * 10.0 ** rng.uniform(-3, 3)
    if math.isfinite(low):
        return float(low + magnitude)
    if math.isfinite(high):
        return float(high - magnitude)
    return float(rng.choice([-1.0, 1.0]) * magnitude)


def _beyond(
    bound: Bound, env: Mapping[sympy.Basic, Any], low: float, high: float, rng: np.random.Generator
) -> float:
    """Draw a value on the wrong side of ``bound`` (the hypothesis being dropped)."""
    edge = float(as_scalar(bound.expr(env)))
    width = max(abs(edge), 1.0)
    step = width * 10.0 ** rng.uniform(-6, 0.5)
    if rng.random() < 0.2 and not bound.strict:
        step = width * 1e-9
    if bound.upper:  # the hypothesis said value < edge
        return (
            edge + (0.0 if bound.strict and rng.random() < 0.2 else step)
            if math.isfinite(edge)
            else high
        )
    return (
        edge - (0.0 if bound.strict and rng.random() < 0.2 else step)
        if math.isfinite(edge)
        else low
    )


def _to_free(value: float, low: float, high: float) -> float:
    if math.isfinite(low) and math.isfinite(high):
        t = min(max((value - low) / (high - low), 1e-12), 1 - 1e-12)
        return math.log(t / (1 - t))
    if math.isfinite(low):
        return math.log(max(value - low, 1e-300))
    if math.isfinite(high):
        return math.log(max(high - value, 1e-300))
    return value


def _from_free(z: float, low: float, high: float) -> float:
    z = min(max(z, -700.0), 700.0)
    if math.isfinite(low) and math.isfinite(high):
        return low + (high - low) / (1 + math.exp(-z))
    if math.isfinite(low):
        return low + math.exp(z)
    if math.isfinite(high):
        return high - math.exp(z)
    return z


def _matrix_size(spec: Matrix, kind: str) -> int:
    if kind == "diagonal":
        return spec.rows
    if spec.rank is not None and kind == "general":
        return spec.rank * (spec.rows + spec.cols)
    return spec.rows * spec.cols


def _encode_matrix(value: np.ndarray, kind: str) -> np.ndarray:
    if kind == "diagonal":
        return np.diag(value).copy()
    if kind in ("psd", "pd"):
        w, q = np.linalg.eigh((value + value.T) / 2)
        return np.asarray((q * np.sqrt(np.clip(w, 0, None))).reshape(-1))
    return value.reshape(-1).copy()


def _decode_matrix(z: np.ndarray, spec: Matrix, kind: str) -> np.ndarray:
    n, m = spec.rows, spec.cols
    if kind == "diagonal":
        return np.diag(z)
    if kind == "general" and spec.rank is not None:
        r = spec.rank
        return np.asarray(z[: n * r].reshape(n, r) @ z[n * r :].reshape(r, m))
    raw = z.reshape(n, m)
    if kind == "symmetric":
        return np.asarray((raw + raw.T) / 2)
    if kind in ("psd", "pd"):
        out = raw @ raw.T
        if spec.rank is not None:
            w, q = np.linalg.eigh(out)
            w[: n - spec.rank] = 0.0
            out = (q * w) @ q.T
        return np.asarray(out)
    if kind == "orthogonal":
        return _random_orthogonal_from(raw)
    return raw


def _random_orthogonal_from(raw: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(raw)
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1.0
    return q * signs


def constraints_from(
    space: Space,
    hypotheses: list[sympy.Basic],
    *,
    drop: sympy.Basic | None = None,
) -> Constraints:
    """Translate hypotheses into what the space imposes, one hypothesis dropped if asked.

    Recognised hypotheses are enforced by construction: ``Q.symmetric``,
    ``Q.positive_definite``, ``Q.orthogonal``, ``Q.diagonal``, ``Q.fullrank`` /
    ``Q.invertible`` on a matrix variable, and bounds ``s < e``, ``s <= e``, ``s > e``,
    ``s >= e`` on a scalar variable ``s`` (``e`` free of ``s``). Every other hypothesis
    is enforced by rejection. The dropped hypothesis is *violated* on purpose: its
    matrix kind is broken, its bound crossed, or instances are kept only where it fails.
    """
    rules = Constraints()
    for hypothesis in hypotheses:
        dropped = drop is not None and hypothesis == drop
        handled = _apply_predicate(space, rules, hypothesis, dropped)
        if not handled:
            handled = _apply_bound(space, rules, hypothesis, dropped)
        if not handled:
            compiled = compile_numeric(hypothesis)
            if dropped:
                rules.violate = (hypothesis, compiled)
            else:
                rules.checks.append((hypothesis, compiled))
    return rules


_PREDICATES = {
    "Q.symmetric": "symmetric",
    "Q.positive_definite": "pd",
    "Q.positive_semidefinite": "psd",
    "Q.orthogonal": "orthogonal",
    "Q.diagonal": "diagonal",
}


def _apply_predicate(
    space: Space, rules: Constraints, hypothesis: sympy.Basic, dropped: bool
) -> bool:
    if not isinstance(hypothesis, sympy.assumptions.AppliedPredicate):
        return False
    (target,) = hypothesis.arguments
    spec = space.variables.get(target)
    if not isinstance(spec, Matrix):
        raise TypeError(
            f"hypothesis {hypothesis} is about {target}, which is not a matrix of the space"
        )
    if hypothesis.function in (sympy.Q.fullrank, sympy.Q.invertible):
        if dropped:
            rules.break_kind = (target, "fullrank")
        else:
            rules.full_rank.add(target)
        return True
    kind = _PREDICATES.get(str(hypothesis.function))
    if kind is None:
        raise ValueError(f"hypothesis {hypothesis}: the predicate is not supported by spaces")
    if dropped:
        rules.break_kind = (target, kind)
    else:
        rules.kinds[target] = kind
    return True


def _apply_bound(space: Space, rules: Constraints, hypothesis: sympy.Basic, dropped: bool) -> bool:
    if not isinstance(hypothesis, sympy.core.relational.Relational) or isinstance(
        hypothesis, sympy.Equality | sympy.Unequality
    ):
        return False
    for side, other, flip in (
        (hypothesis.lhs, hypothesis.rhs, False),
        (hypothesis.rhs, hypothesis.lhs, True),
    ):
        if (
            side in space.variables
            and isinstance(space.variables[side], Real | Integer)
            and side not in other.free_symbols
        ):
            less = isinstance(hypothesis, sympy.StrictLessThan | sympy.LessThan)
            upper = less != flip
            strict = isinstance(hypothesis, sympy.StrictLessThan | sympy.StrictGreaterThan)
            bound = Bound(compile_numeric(other), upper=upper, strict=strict, source=hypothesis)
            if dropped:
                rules.beyond, rules.beyond_symbol = bound, side
            else:
                rules.bounds.setdefault(side, []).append(bound)
            return True
    return False
