"""Tensor rematerialisation: what a backward pass recomputes, loads and holds (S0-Q2).

The model. A chain of ``L`` layers; ``a_0`` is the network input and ``a_k`` the
activation (output) of layer ``k``. The forward pass keeps a set of *checkpoints*
``S ⊆ {1..L}`` (and the input, which the chip always holds). The backward pass visits
layers ``L, L-1, ..., 1``; the step for layer ``k`` needs one activation: ``a_k`` in the
source's convention (``"output"``) or ``a_{k-1}``, the layer's input (``"input"``).
A needed activation that is stored is fetched (one **loadmem**); otherwise the nearest
stored activation below it is fetched and the layers above it are re-run, one **fwd**
each. Two ways to re-run:

* ``rebuild="layer"`` (the source's schedule): rebuild only the needed activation, so a
  segment of ``g`` layers costs ``0 + 1 + ... + (g - 1)`` fwd;
* ``rebuild="segment"`` (Chen et al. 2016, ``torch.utils.checkpoint``): rebuild the
  whole segment at once and keep it until used (then fetched with a loadmem), one
  fwd per non-stored activation.

Memory is counted in activations (the input is held apart, as in the source): a
checkpoint is held until the last step that reads it, a rebuilt activation until the
step that uses it. With every stored activation on disk instead, each needed one is a
**loaddisk** (the input is still a loadmem).

Optimal schedules: :func:`best_static_checkpoints` places ``s`` checkpoints to
minimise the source's schedule; :func:`revolve_cost` is the optimum when checkpoints
may also be taken and dropped during the backward pass (Griewank's problem), checked
against :func:`griewank_cost` and :func:`griewank_beta`.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import sympy
import torch
from numpy.typing import NDArray
from torch.utils.checkpoint import checkpoint as torch_checkpoint

from dlhw.validation import MAX_TORCH_SEED, as_int

Convention = Literal["output", "input"]
Rebuild = Literal["layer", "segment"]

#: Largest chain the step-by-step simulator runs (it re-runs up to ``L**2 / 2`` layers).
MAX_SIMULATED_LAYERS = 1000
#: Largest chain for the dynamic programmes (their cost grows like ``L**2 * slots``).
MAX_DP_LAYERS = 400
#: Longest checkpoint list :func:`uniform_checkpoints` builds.
MAX_LISTED_CHECKPOINTS = 10**6
#: Largest ``min(s, t)`` for :func:`griewank_beta`.
MAX_BINOMIAL_ARGUMENT = 10**5
#: Largest ``layers**2 * slots`` the dynamic programmes take on (a few seconds).
MAX_DP_WORK = 10**7
#: Largest chain for the exhaustive search over dynamic schedules.
MAX_SEARCH_LAYERS = 9
#: Largest chain of the torch experiment.
MAX_TORCH_LAYERS = 64
#: Largest width (and batch) of the torch experiment.
MAX_TORCH_WIDTH = 256


@dataclass(frozen=True)
class Counts:
    """Operation counts of one backward pass.

    Attributes
    ----------
    fwd, loadmem, loaddisk
        Layer re-runs, fetches from chip memory and reads from disk.
    peak_memory
        The most activations held at once (the network input not counted).
    """

    fwd: int
    loadmem: int
    loaddisk: int
    peak_memory: int


@dataclass(frozen=True)
class Schedule:
    """A simulated backward pass.

    Attributes
    ----------
    counts
        The totals.
    fwd_per_layer
        Re-runs made at the step of each layer, listed from layer ``L`` down to 1.
    trace
        Every operation in order, as ``(layer, action, activation index)`` with action
        ``"loadmem"``, ``"loaddisk"`` or ``"fwd"`` (``fwd`` index ``t``: ``a_t`` computed).
    """

    counts: Counts
    fwd_per_layer: tuple[int, ...]
    trace: tuple[tuple[int, str, int], ...]


# ------------------------------------------------------------------ validation


def _layers(layers: object, limit: int | None = None) -> int:
    L = as_int(layers, "layers", minimum=1)
    if limit is not None and limit < L:
        raise ValueError(f"layers must be at most {limit} here, got {L} (raise the limit to go on)")
    return L


def _choice(value: object, name: str, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def _checkpoints(checkpoints: Iterable[int], L: int) -> frozenset[int]:
    if isinstance(checkpoints, str | bytes) or not isinstance(checkpoints, Iterable):
        raise TypeError(
            f"checkpoints must be a collection of layer numbers, got {type(checkpoints).__name__}"
        )
    layers = [as_int(k, "checkpoints entries") for k in checkpoints]
    bad = [k for k in layers if not 1 <= k <= L]
    if bad:
        raise ValueError(f"checkpoints must be layers in 1..{L}, got {bad[0]}")
    if len(set(layers)) != len(layers):
        raise ValueError("checkpoints must not list a layer twice")
    return frozenset(layers)


def _time(value: object, name: str) -> sympy.Rational:
    """Return a latency as an exact positive rational (a float as the decimal it prints)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | sympy.Rational):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if isinstance(value, numbers.Rational | sympy.Rational):
        exact = sympy.Rational(int(value)) if isinstance(value, numbers.Integral) else value
        exact = sympy.Rational(exact)
    else:
        if not math.isfinite(float(value)):
            raise ValueError(f"{name} must be finite, got {value!r}")
        exact = sympy.Rational(str(float(value)))
    if exact <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return exact


def _dp_work(n: int, slots: int) -> None:
    if n * n * slots > MAX_DP_WORK:
        raise ValueError(
            f"layers**2 * slots = {n * n * slots} exceeds {MAX_DP_WORK} steps of the dynamic "
            "programme; use fewer slots (the optimum changes little beyond a few) or raise "
            "dlhw.remat.MAX_DP_WORK"
        )


def _needed(k: int, convention: str) -> int:
    return k if convention == "output" else k - 1


# ------------------------------------------------------------------- simulator


def simulate_backward(
    layers: int,
    checkpoints: Iterable[int],
    *,
    convention: Convention = "output",
    rebuild: Rebuild = "layer",
) -> Schedule:
    """Run the backward pass of the model above step by step, counting as it goes.

    Parameters
    ----------
    layers
        ``L``, the number of layers (at most :data:`MAX_SIMULATED_LAYERS`).
    checkpoints
        The stored activations, layer numbers in ``1..L``.
    convention
        ``"output"``: layer ``k`` needs ``a_k`` (the source); ``"input"``: ``a_{k-1}``.
    rebuild
        ``"layer"``: rebuild only the needed activation (the source);
        ``"segment"``: rebuild the segment up to it and keep it.

    Returns
    -------
    Schedule
        Counts, per-layer re-runs and the trace.

    Raises
    ------
    TypeError, ValueError
        For a bad ``layers``, checkpoint list, ``convention`` or ``rebuild``.

    Examples
    --------
    >>> s = simulate_backward(10, {5, 10})
    >>> s.fwd_per_layer, s.counts.fwd, s.counts.loadmem, s.counts.peak_memory
    ((0, 4, 3, 2, 1, 0, 4, 3, 2, 1), 20, 10, 2)
    >>> [step for step in s.trace if step[0] == 7]
    [(7, 'loadmem', 5), (7, 'fwd', 6), (7, 'fwd', 7)]
    """
    L = _layers(layers, MAX_SIMULATED_LAYERS)
    stored = _checkpoints(checkpoints, L) | {0}
    _choice(convention, "convention", ("output", "input"))
    _choice(rebuild, "rebuild", ("layer", "segment"))
    trace: list[tuple[int, str, int]] = []
    per_layer, reads, rebuilt_held = [], [], []
    cache: set[int] = set()  # rebuilt activations kept for later steps (segment rebuild)
    for k in range(L, 0, -1):
        j = _needed(k, convention)
        before = len(trace)
        if j in stored or j in cache:
            trace.append((k, "loadmem", j))
            reads.append(j if j in stored else None)
            held = len(cache)
        else:
            base = max(s for s in stored if s < j)
            trace.append((k, "loadmem", base))
            reads.append(base)
            for t in range(base + 1, j + 1):
                trace.append((k, "fwd", t))
                if rebuild == "segment":
                    cache.add(t)
            held = len(cache) if rebuild == "segment" else 1
        cache.discard(j)
        per_layer.append(sum(action == "fwd" for _, action, _ in trace[before:]))
        rebuilt_held.append(held)
    # A checkpoint is held from the forward pass until the last (lowest) step reading it.
    last_read = {index: k for k, index in zip(range(L, 0, -1), reads, strict=True) if index}
    held_checkpoints = [sum(k >= last for last in last_read.values()) for k in range(L, 0, -1)]
    peak = max(c + r for c, r in zip(held_checkpoints, rebuilt_held, strict=True))
    counts = Counts(sum(per_layer), sum(a == "loadmem" for _, a, _ in trace), 0, peak)
    return Schedule(counts, tuple(per_layer), tuple(trace))


def disk_backward(layers: int, *, convention: Convention = "output") -> Schedule:
    """Count the scheme of S0-Q2(c): every activation on disk, read once, none rebuilt.

    Parameters
    ----------
    layers
        ``L >= 1``.
    convention
        As for :func:`simulate_backward`; with ``"input"`` layer 1 needs the input,
        which stays in chip memory (one loadmem instead of a loaddisk).

    Returns
    -------
    Schedule
        ``fwd = 0``, data goes from disk straight to registers (``peak_memory = 0``).

    Examples
    --------
    >>> disk_backward(10).counts
    Counts(fwd=0, loadmem=0, loaddisk=10, peak_memory=0)
    """
    L = _layers(layers, MAX_SIMULATED_LAYERS)
    _choice(convention, "convention", ("output", "input"))
    trace = tuple(
        (k, "loadmem" if j == 0 else "loaddisk", j)
        for k in range(L, 0, -1)
        for j in [_needed(k, convention)]
    )
    disk = sum(action == "loaddisk" for _, action, _ in trace)
    return Schedule(Counts(0, L - disk, disk, 0), (0,) * L, trace)


# ---------------------------------------------------------------- closed forms


def uniform_checkpoints(layers: int, every: int) -> frozenset[int]:
    """Return ``{c, 2c, ...} ∩ {1..L}``, the checkpoints of one every ``c`` layers.

    Parameters
    ----------
    layers, every
        ``L >= 1`` and the spacing ``c >= 1`` (``c > L`` gives no checkpoint).

    Returns
    -------
    frozenset of int
        The layer numbers.

    Raises
    ------
    TypeError, ValueError
        If ``layers`` or ``every`` is not a positive integer.

    Examples
    --------
    >>> sorted(uniform_checkpoints(10, 5))
    [5, 10]
    """
    L = _layers(layers)
    c = as_int(every, "every", minimum=1)
    if L // c > MAX_LISTED_CHECKPOINTS:
        raise ValueError(
            f"layers // every = {L // c} checkpoints exceeds {MAX_LISTED_CHECKPOINTS}; "
            "use uniform_counts, whose closed forms need no list"
        )
    return frozenset(range(c, L + 1, c))


def uniform_counts(
    layers: int,
    every: int,
    *,
    convention: Convention = "output",
    rebuild: Rebuild = "layer",
) -> Counts:
    """Count a checkpoint every ``c`` layers by closed forms (exact integers, any ``L``).

    Only the activations ``a_1..a_n`` cost anything, with ``n = L`` (``"output"``) or
    ``n = L - 1`` (``"input"``: ``a_0`` is the input). Write ``n = q c + r``,
    ``0 <= r < c``. Then ``loadmem = L`` (one fetch per step) and

    * ``rebuild="layer"``: ``a_j`` costs ``j mod c`` re-runs, so
      ``fwd = q c (c - 1) / 2 + r (r + 1) / 2``; at the step for ``a_j`` the chip holds
      the ``⌊j/c⌋`` checkpoints at or below ``j`` plus one rebuilt activation unless
      ``c | j``, so ``peak = ⌈n / c⌉``;
    * ``rebuild="segment"``: each non-checkpoint activation is rebuilt once,
      ``fwd = n - q``; at the top of the segment above checkpoint ``m c`` the chip holds
      ``m`` checkpoints and the rebuilt rest of the segment, so
      ``peak = q + max(r, c - 2)`` if ``q >= 1`` and ``n`` otherwise.

    Parameters
    ----------
    layers, every
        ``L >= 1`` and the spacing ``c >= 1``.
    convention, rebuild
        As for :func:`simulate_backward`.

    Returns
    -------
    Counts
        Equal to ``simulate_backward(L, uniform_checkpoints(L, c), ...).counts``.

    Examples
    --------
    >>> uniform_counts(10, 5)
    Counts(fwd=20, loadmem=10, loaddisk=0, peak_memory=2)
    >>> uniform_counts(10**6, 1000, rebuild="segment").peak_memory
    1998
    """
    L = _layers(layers)
    c = as_int(every, "every", minimum=1)
    _choice(convention, "convention", ("output", "input"))
    _choice(rebuild, "rebuild", ("layer", "segment"))
    n = L if convention == "output" else L - 1
    q, r = divmod(n, c)
    if rebuild == "layer":
        fwd = q * c * (c - 1) // 2 + r * (r + 1) // 2
        peak = -(-n // c)
    else:
        fwd = n - q
        peak = q + max(r, c - 2) if q >= 1 else n
    return Counts(fwd, L, 0, peak)


def break_even_loaddisk(
    recompute: Counts,
    disk: Counts,
    *,
    t_fwd: float | Fraction = 20,
    t_loadmem: float | Fraction = 10,
) -> sympy.Rational:
    """Solve ``time(recompute) = time(disk)`` for the loaddisk latency, exactly (sympy).

    Parameters
    ----------
    recompute, disk
        The counts of the two schemes (e.g. from :func:`simulate_backward` and
        :func:`disk_backward`); their loaddisk counts must differ.
    t_fwd, t_loadmem
        Latencies of one fwd and one loadmem (floats are read as the decimal they
        print as: ``0.1`` is ``1/10``).

    Returns
    -------
    sympy.Rational
        The latency at which both backward passes take the same time.

    Raises
    ------
    TypeError, ValueError
        For non-``Counts`` arguments, non-positive times, equal loaddisk counts, or a
        break-even latency that is not positive.

    Examples
    --------
    >>> break_even_loaddisk(simulate_backward(10, {5, 10}).counts, disk_backward(10).counts)
    50
    """
    for name, value in (("recompute", recompute), ("disk", disk)):
        if not isinstance(value, Counts):
            raise TypeError(f"{name} must be a dlhw.remat.Counts, got {type(value).__name__}")
    tf, tm = _time(t_fwd, "t_fwd"), _time(t_loadmem, "t_loadmem")
    if recompute.loaddisk == disk.loaddisk:
        raise ValueError("recompute and disk make the same number of loaddisk operations")
    t = sympy.Symbol("t_loaddisk")

    def time(c: Counts) -> sympy.Expr:
        return c.fwd * tf + c.loadmem * tm + c.loaddisk * t

    (solution,) = sympy.solve(sympy.Eq(time(recompute), time(disk)), t)
    if solution <= 0:
        raise ValueError(f"the break-even latency would be {solution}, not positive")
    return sympy.Rational(solution)


def tradeoff_curve(
    layers: int, *, convention: Convention = "output"
) -> dict[str, NDArray[np.int64]]:
    """Memory and recomputation for every spacing ``c = 1..L``, both rebuild rules.

    Parameters
    ----------
    layers
        ``L`` (at most :data:`MAX_SIMULATED_LAYERS`).
    convention
        As for :func:`simulate_backward`.

    Raises
    ------
    TypeError, ValueError
        For a bad ``layers`` or ``convention``.

    Returns
    -------
    dict of numpy.ndarray
        ``"every"``, and ``"layer_fwd"``, ``"layer_peak"``, ``"segment_fwd"``,
        ``"segment_peak"`` from :func:`uniform_counts`. Chen et al.'s rule
        ``c ≈ √L`` minimises the segment peak, about ``2 √L``.

    Examples
    --------
    >>> curve = tradeoff_curve(100)
    >>> int(curve["segment_peak"].min()), int(curve["segment_peak"][10 - 1])  # c = √100
    (18, 18)
    """
    L = _layers(layers, MAX_SIMULATED_LAYERS)
    rows: dict[str, list[int]] = {
        "every": [],
        "layer_fwd": [],
        "layer_peak": [],
        "segment_fwd": [],
        "segment_peak": [],
    }
    for c in range(1, L + 1):
        layer = uniform_counts(L, c, convention=convention, rebuild="layer")
        segment = uniform_counts(L, c, convention=convention, rebuild="segment")
        for key, value in (
            ("every", c),
            ("layer_fwd", layer.fwd),
            ("layer_peak", layer.peak_memory),
            ("segment_fwd", segment.fwd),
            ("segment_peak", segment.peak_memory),
        ):
            rows[key].append(value)
    return {key: np.array(values, dtype=np.int64) for key, values in rows.items()}


# ------------------------------------------------------------ optimal schedules


def best_static_checkpoints(
    layers: int, slots: int, *, convention: Convention = "output"
) -> tuple[int, frozenset[int]]:
    """Place at most ``slots`` checkpoints to minimise the re-runs of the source's schedule.

    Dynamic programming over the first checkpoint: needing ``a_0..a_{n-1}`` with a
    first checkpoint at ``m`` costs ``m (m - 1) / 2`` below it plus the optimum for the
    ``n - m`` activations above it with one slot fewer (``n = L + 1`` for ``"output"``,
    ``L`` for ``"input"``).

    Parameters
    ----------
    layers
        ``L`` (at most :data:`MAX_DP_LAYERS`).
    slots
        ``s >= 0``, the number of checkpoints allowed (the input is free).
    convention
        As for :func:`simulate_backward` (``rebuild="layer"``).

    Returns
    -------
    tuple
        The minimal total fwd and one optimal checkpoint set.

    Examples
    --------
    >>> best_static_checkpoints(10, 2)
    (15, frozenset({3, 7}))
    >>> best_static_checkpoints(10, 2, convention="input")
    (12, frozenset({3, 6}))
    """
    L = _layers(layers, MAX_DP_LAYERS)
    s = as_int(slots, "slots", minimum=0)
    _choice(convention, "convention", ("output", "input"))
    n = L + 1 if convention == "output" else L
    _dp_work(n, min(s, n - 1))

    # cost[l][f]: the optimum needing l activations above a stored one, f slots left;
    # first[l][f]: the offset of the first checkpoint of an optimum (0: none).
    free = min(s, n - 1)
    cost = [[length * (length - 1) // 2] * (free + 1) for length in range(n + 1)]
    first = [[0] * (free + 1) for _ in range(n + 1)]
    for length in range(2, n + 1):
        for f in range(1, free + 1):
            for m in range(1, length):
                option = m * (m - 1) // 2 + cost[length - m][f - 1]
                if option < cost[length][f]:
                    cost[length][f], first[length][f] = option, m
    chosen, offset, length, f = [], 0, n, free
    while f and first[length][f]:
        m = first[length][f]
        offset, length, f = offset + m, length - m, f - 1
        chosen.append(offset)
    return cost[n][free], frozenset(chosen)


def _revolve_table(n: int, slots: int) -> list[list[int]]:
    """``P[l][e]``: fewest advances to reverse ``l`` layers from ``a_0`` with ``e`` slots."""
    P = [[0] * (slots + 1) for _ in range(n + 1)]
    for length in range(2, n + 1):
        P[length][0] = length * (length - 1) // 2
        for e in range(1, slots + 1):
            splits = (m + P[length - m][e - 1] + P[m][e] for m in range(1, length))
            P[length][e] = min(P[length][e - 1], *splits)
    return P


def revolve_cost(layers: int, slots: int, *, free_forward: bool = False) -> int:
    """Return the fewest layer re-runs that reverse ``L`` layers with ``slots`` slots.

    Checkpoints may be written and overwritten at any time (the input convention:
    reversing layer ``k`` needs ``a_{k-1}``; the run of layer ``k`` inside its own
    backward step is not counted, as the source ignores compute beyond rebuilding).
    The recursion: from ``a_0``, advance ``m`` layers, store ``a_m``, reverse the
    ``L - m`` layers above it with one slot fewer, then the ``m`` below with the slot
    back. With ``free_forward=False`` this is
    Griewank's problem (:func:`griewank_cost`: every advance counts, including the
    first sweep). With ``free_forward=True`` the forward pass that computed the loss
    places the first checkpoints for free, as in the source's accounting, so the
    result is at most :func:`best_static_checkpoints` with ``convention="input"``.

    Parameters
    ----------
    layers
        ``L`` (at most :data:`MAX_DP_LAYERS`).
    slots
        ``e >= 0`` slots besides the one holding the input (Griewank's ``s = e + 1``).
    free_forward
        Whether the first sweep's checkpoints are free.

    Returns
    -------
    int
        The minimal number of layer runs (fwd).

    Examples
    --------
    >>> revolve_cost(10, 1), griewank_cost(10, 2)
    (20, 20)
    >>> static, _ = best_static_checkpoints(10, 1, convention="input")
    >>> revolve_cost(10, 1, free_forward=True), static
    (14, 20)
    """
    L = _layers(layers, MAX_DP_LAYERS)
    e = min(as_int(slots, "slots", minimum=0), L)  # more than L - 1 slots never help
    _dp_work(L, e)
    if not isinstance(free_forward, bool):
        raise TypeError(f"free_forward must be a bool, got {type(free_forward).__name__}")
    P = _revolve_table(L, e)
    if not free_forward:
        return P[L][e]
    Q = [[0] * (e + 1) for _ in range(L + 1)]
    for length in range(2, L + 1):
        Q[length][0] = P[length][0]
        for free in range(1, e + 1):
            splits = (Q[length - m][free - 1] + P[m][free] for m in range(1, length))
            Q[length][free] = min(Q[length][free - 1], *splits)
    return Q[L][e]


def revolve_by_search(layers: int, slots: int, *, free_forward: bool = False) -> int:
    """Compute :func:`revolve_cost` by a shortest-path search over all schedules.

    A state is (layers left to reverse, the index of the activation in the working
    register, the stored indices); moves are: re-run one layer (cost 1), fetch a
    stored activation or the input, store the register in a free slot, free a slot,
    and reverse the next layer once its input is in the register. Dijkstra's
    algorithm finds the cheapest way to reverse every layer: an independent check of
    the recursion. With ``free_forward`` the search starts from every set of at most
    ``slots`` checkpoints at no cost.

    Parameters
    ----------
    layers
        ``L`` (at most :data:`MAX_SEARCH_LAYERS`).
    slots, free_forward
        As for :func:`revolve_cost`.

    Returns
    -------
    int
        The minimal number of layer runs.

    Examples
    --------
    >>> revolve_by_search(6, 1), revolve_cost(6, 1)
    (8, 8)
    """
    L = _layers(layers, MAX_SEARCH_LAYERS)
    e = as_int(slots, "slots", minimum=0)
    if not isinstance(free_forward, bool):
        raise TypeError(f"free_forward must be a bool, got {type(free_forward).__name__}")
    State = tuple[int, int, frozenset[int]]  # (left, register or -1, stored)
    if free_forward:
        sets = itertools.chain.from_iterable(
            itertools.combinations(range(1, L), size) for size in range(min(e, L - 1) + 1)
        )
        starts: list[State] = [(L, -1, frozenset(s)) for s in sets]
    else:
        starts = [(L, 0, frozenset())]
    queue = [(0, state) for state in starts]
    done: set[State] = set()
    while queue:
        cost, state = heapq.heappop(queue)
        if state in done:
            continue
        done.add(state)
        left, register, stored = state
        if left == 0:
            return cost
        moves: list[tuple[int, State]] = []
        if register == left - 1:  # reverse layer `left`; later steps need smaller indices
            keep = frozenset(i for i in stored if i < left - 1)
            moves.append((0, (left - 1, -1, keep)))
        if 0 <= register < left - 1:
            moves.append((1, (left, register + 1, stored)))
        moves += [(0, (left, i, stored)) for i in stored | {0} if i != register]
        if register > 0 and register not in stored and len(stored) < e:
            moves.append((0, (left, register, stored | {register})))
        moves += [(0, (left, register, stored - {i})) for i in stored]
        for step, new in moves:
            if new not in done:
                heapq.heappush(queue, (cost + step, new))
    raise AssertionError("unreachable: reversing is always possible from the input")


def griewank_beta(s: int, t: int) -> int:
    """Return Griewank's ``β(s, t) = C(s + t, s)``.

    It is the longest chain reversible with ``s`` checkpoint slots (the input's
    included) when no layer is re-run more than ``t`` times.

    Parameters
    ----------
    s, t
        Non-negative integers.

    Returns
    -------
    int
        The binomial coefficient, exact.

    Raises
    ------
    TypeError, ValueError
        If ``s`` or ``t`` is not a non-negative integer.

    Examples
    --------
    >>> griewank_beta(2, 3)
    10
    """
    s = as_int(s, "s", minimum=0)
    t = as_int(t, "t", minimum=0)
    if min(s, t) > MAX_BINOMIAL_ARGUMENT:
        raise ValueError(
            f"s and t are both above {MAX_BINOMIAL_ARGUMENT}: C(s + t, s) would have "
            "millions of digits"
        )
    return math.comb(s + t, s)


def griewank_cost(layers: int, s: int) -> int:
    """Griewank's closed form for the fewest advances: ``t L - β(s + 1, t - 1)``.

    Here ``t`` is the repetition number, the least with ``L <= β(s, t)``, and ``s >= 1``
    counts the slot holding the input (``s = slots + 1`` of :func:`revolve_cost`).

    Parameters
    ----------
    layers
        ``L >= 1`` (any size: the formula is exact).
    s
        Slots, the input's included, ``s >= 1``.

    Returns
    -------
    int
        The fewest advances (Griewank and Walther, *Algorithm 799: revolve*).

    Raises
    ------
    TypeError, ValueError
        If ``layers`` or ``s`` is not a positive integer.

    Examples
    --------
    >>> griewank_cost(10, 1), griewank_cost(10, 3)
    (45, 15)
    """
    L = _layers(layers)
    s = as_int(s, "s", minimum=1)
    low, high = -1, 1  # beta(s, low) < L <= beta(s, high): double, then bisect
    while math.comb(s + high, s) < L:
        low, high = high, 2 * high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if math.comb(s + mid, s) < L else (low, mid)
    t = high
    return 0 if t == 0 else t * L - math.comb(s + t, s + 1)


def revolve_max_layers(slots: int, repetitions: int) -> int:
    """Find the longest chain reversible with ``slots`` slots and ``repetitions`` re-runs.

    This is dynamic programming over schedules in which no layer runs more than
    ``repetitions`` times after the first sweep.

    The least achievable largest repetition ``R(l, e)`` satisfies ``R(1, e) = 0``,
    ``R(l, 0) = l - 1`` and ``R(l, e) = min_m max(1 + R(m, e), R(l - m, e - 1))``;
    the answer is the largest ``l`` with ``R(l, e) <= t``, to be compared with
    ``griewank_beta(e + 1, t)``.

    Parameters
    ----------
    slots
        ``e >= 0`` slots besides the input's.
    repetitions
        ``t >= 0``.

    Returns
    -------
    int
        The longest reversible chain.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or an answer beyond :data:`MAX_DP_LAYERS` layers.

    Examples
    --------
    >>> revolve_max_layers(1, 3), griewank_beta(2, 3)
    (10, 10)
    """
    e = as_int(slots, "slots", minimum=0)
    t = as_int(repetitions, "repetitions", minimum=0)
    if griewank_beta(e + 1, t) > MAX_DP_LAYERS:
        raise ValueError(
            f"slots={e} and repetitions={t}: the answer exceeds {MAX_DP_LAYERS} layers "
            "(the DP's limit); use griewank_beta"
        )
    _dp_work(griewank_beta(e + 1, t) + 1, e)
    R = [[0] * (e + 1)]  # R[l - 1][e]
    while True:
        length = len(R) + 1
        row = [length - 1]
        for free in range(1, e + 1):
            splits = (
                max(1 + R[m - 1][free], R[length - m - 1][free - 1]) for m in range(1, length)
            )
            row.append(min(row[free - 1], *splits))
        if row[e] > t:
            return length - 1
        R.append(row)


# ---------------------------------------------------------------- torch check


@dataclass(frozen=True)
class CheckpointRun:
    """Plain backpropagation against ``torch.utils.checkpoint`` on the same MLP.

    Attributes
    ----------
    plain_gradients, checkpoint_gradients
        The gradients of every weight and bias, layer by layer.
    identical
        Whether they agree bit for bit.
    forward_calls
        Layer calls of the forward pass (``L`` for both).
    recomputed_calls
        Layer calls made during the checkpointed backward pass.
    """

    plain_gradients: tuple[NDArray[np.float64], ...]
    checkpoint_gradients: tuple[NDArray[np.float64], ...]
    identical: bool
    forward_calls: int
    recomputed_calls: int


class _CountingLayer(torch.nn.Module):
    """``tanh(x W + b)``, counting its calls."""

    def __init__(self, width: int, generator: torch.Generator) -> None:
        super().__init__()
        scale = 1.0 / math.sqrt(width)
        draw = functools.partial(torch.randn, generator=generator, dtype=torch.float64)
        self.weight = torch.nn.Parameter(draw(width, width) * scale)
        self.bias = torch.nn.Parameter(draw(width) * 0.1)
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return torch.tanh(x @ self.weight + self.bias)


def _run_mlp(
    layers: list[_CountingLayer], x: torch.Tensor, stored: frozenset[int], use_checkpoint: bool
) -> tuple[tuple[NDArray[np.float64], ...], int, int]:
    """Forward and backward; runs of layers not in ``stored`` are checkpointed segments."""
    h, k = x, 0
    while k < len(layers):
        if not use_checkpoint or (k + 1) in stored:
            h, k = layers[k](h), k + 1
            continue
        end = k
        while end < len(layers) and (end + 1) not in stored:
            end += 1
        segment = torch.nn.Sequential(*layers[k:end])
        h, k = torch_checkpoint(segment, h, use_reentrant=False), end
    forward = sum(layer.calls for layer in layers)
    torch.autograd.backward(h.square().sum() / 2)
    total = sum(layer.calls for layer in layers)
    grads = tuple(
        p.grad.detach().numpy().copy()  # type: ignore[union-attr]
        for layer in layers
        for p in (layer.weight, layer.bias)
    )
    return grads, forward, total - forward


def checkpoint_experiment(
    layers: int,
    checkpoints: Iterable[int],
    *,
    width: int = 8,
    batch: int = 4,
    seed: int = 0,
) -> CheckpointRun:
    """Backpropagate through a tanh MLP plainly and with ``torch.utils.checkpoint``.

    Layers in ``checkpoints`` run normally (their activations are stored); every
    maximal run of other layers is one ``checkpoint(..., use_reentrant=False)``
    segment, restarted during the backward pass from its input. Each layer counts
    its calls, so ``recomputed_calls`` can be compared with
    ``simulate_backward(L, checkpoints, rebuild="segment").counts.fwd``.

    Parameters
    ----------
    layers
        ``L`` (at most :data:`MAX_TORCH_LAYERS`).
    checkpoints
        Layer numbers in ``1..L``.
    width, batch
        Layer width (at most :data:`MAX_TORCH_WIDTH`) and batch size.
    seed
        Seed of the ``torch.Generator`` for weights and data (float64),
        ``0 <= seed < 2**64``.

    Returns
    -------
    CheckpointRun
        Gradients of both runs, whether they are identical, and the call counts.

    Examples
    --------
    >>> run = checkpoint_experiment(10, {5, 10})
    >>> run.identical, run.forward_calls, run.recomputed_calls
    (True, 10, 8)
    >>> simulate_backward(10, {5, 10}, rebuild="segment").counts.fwd
    8
    """
    L = _layers(layers, MAX_TORCH_LAYERS)
    stored = _checkpoints(checkpoints, L)
    d = as_int(width, "width", minimum=1)
    if d > MAX_TORCH_WIDTH:
        raise ValueError(f"width must be at most {MAX_TORCH_WIDTH}, got {d}")
    n = as_int(batch, "batch", minimum=1)
    if n > MAX_TORCH_WIDTH:
        raise ValueError(f"batch must be at most {MAX_TORCH_WIDTH}, got {n}")
    seed = as_int(seed, "seed", minimum=0, maximum=MAX_TORCH_SEED, limit_name="torch")
    runs = []
    for use_checkpoint in (False, True):
        generator = torch.Generator().manual_seed(seed)
        net = [_CountingLayer(d, generator) for _ in range(L)]
        x = torch.randn(n, d, generator=generator, dtype=torch.float64)
        runs.append(_run_mlp(net, x, stored, use_checkpoint))
    (plain, forward, _), (ckpt, _, recomputed) = runs
    identical = all(np.array_equal(a, b) for a, b in zip(plain, ckpt, strict=True))
    return CheckpointRun(plain, ckpt, identical, forward, recomputed)
