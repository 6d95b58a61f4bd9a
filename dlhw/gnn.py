r"""Graph neural network layers: aggregation rules, a residual rule, and a GCN trained by hand.

Message passing updates the state ``s_i`` of node ``i`` from its own previous state and
the messages ``m_{i,1}, ..., m_{i,n_i}`` of its ``n_i`` neighbours. A rule shared by all
nodes of an undirected graph must not depend on the order in which the neighbours are
listed. This module provides

* the three candidate rules of the chapter (:func:`rule_mean`, :func:`rule_indexed_max`,
  :func:`rule_shared_max`) and :func:`outputs_over_orderings`, which evaluates a rule
  for every ordering of the neighbours at once;
* the masked binary cross-entropy of semi-supervised node classification, in numpy,
  in torch and as a sympy expression, with the five-node graph of the chapter;
* the residual rule ``s_i <- s_i + W_1 mean_j tanh(W_2 s_j)``, run numerically
  (:func:`residual_message_passing`) and written out symbolically
  (:func:`residual_update_expression`);
* a graph-convolution layer ``H' = phi(Â H W + b)`` with a hand-written backward pass,
  a softmax cross-entropy head, Adam, and :func:`train_gcn`, used on Zachary's karate
  club (:func:`karate_club`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx
import numpy as np
import sympy
import torch
from numpy.typing import ArrayLike, NDArray
from scipy.special import log_softmax, xlog1py, xlogy
from sympy.matrices.expressions.matexpr import MatrixExpr

from dlhw.graphs import adjacency_matrix
from dlhw.spectral import symmetric_normalisation
from dlhw.validation import as_generator, as_int, as_positive_float, as_real_array

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Rule = Callable[[ArrayLike, ArrayLike, ArrayLike], FloatArray]
Activation = Literal["tanh", "relu", "identity"]

#: Largest degree for :func:`outputs_over_orderings` (8! = 40,320 orderings).
MAX_ORDERING_DEGREE = 8
#: Largest number of layers of :func:`residual_message_passing`.
MAX_LAYERS = 1000
#: Largest number of epochs of :func:`train_gcn`.
MAX_EPOCHS = 100_000
#: Largest weight matrix of a :class:`GraphConvLayer` made by ``glorot``.
MAX_WEIGHTS = 10**7
#: Largest number of parameters and inputs perturbed by the finite-difference check.
MAX_FINITE_DIFFERENCES = 20_000


#: Longest list of nodes, edges or widths read from an argument.
MAX_ITEMS = 100_000


def _choice(value: object, name: str, options: Sequence[str]) -> str:
    """Check that ``value`` is one of the option strings."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {repr(value)[:60]}")
    return value


def _integer_array(value: object, name: str) -> IntArray:
    """Read an integer array (no booleans, floats or ragged lists)."""
    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{name} must be an array of integers, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a rectangular array of integers") from None
    if array.dtype == bool or array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an array of integers, got dtype {array.dtype}")
    return array.astype(np.int64)


def _items(value: object, name: str, what: str, *, ordered: bool = True) -> list[Any]:
    """Read a finite collection (at most :data:`MAX_ITEMS` items).

    Strings and mappings are refused, and so are sets where the order matters.
    """
    unordered = isinstance(value, AbstractSet) and ordered
    if isinstance(value, str | bytes | Mapping) or unordered or not isinstance(value, Iterable):
        kind = "a sequence" if ordered else "a collection"
        raise TypeError(f"{name} must be {kind} of {what}, got {type(value).__name__}")
    items = list(itertools.islice(value, MAX_ITEMS + 1))
    if len(items) > MAX_ITEMS:
        raise ValueError(f"{name} must hold at most {MAX_ITEMS} {what}")
    return items


# ------------------------------------------------------------- aggregation rules


def _rule_inputs(
    self_state: ArrayLike, messages: ArrayLike, weights: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate ``s`` ``(..., d)``, ``m`` ``(..., n_i, d)`` and a weight vector."""
    s = as_real_array(self_state, "self_state")
    if s.ndim < 1:
        raise ValueError(f"self_state must have shape (..., d), got a scalar {s}")
    m = as_real_array(messages, "messages")
    w = as_real_array(weights, "weights", ndim=1)
    if m.ndim < 2:
        raise ValueError(
            f"messages must have shape (..., n_i, d), one row per neighbour, got {m.shape}"
        )
    if m.shape[-1] != s.shape[-1]:
        raise ValueError(f"messages have dimension {m.shape[-1]} but self_state has {s.shape[-1]}")
    try:
        np.broadcast_shapes(s.shape[:-1], m.shape[:-2])
    except ValueError:
        raise ValueError(
            f"self_state {s.shape} and messages {m.shape} have incompatible batch shapes"
        ) from None
    return s, m, w


def _two_weights(w: FloatArray, rule: str) -> tuple[float, float]:
    if w.shape != (2,):
        raise ValueError(f"rule {rule} takes two weights (w_1, w_2), got {w.shape[0]}")
    return float(w[0]), float(w[1])


def _elementwise_max(first: FloatArray, rest: FloatArray) -> FloatArray:
    """Elementwise max of ``first`` ``(..., d)`` and every row of ``rest`` ``(..., n, d)``."""
    result: FloatArray = np.maximum(first, rest.max(axis=-2))
    return result


def rule_mean(self_state: ArrayLike, messages: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Rule (i): ``w_1 s_i + w_2 (1/n_i) sum_j m_{i,j}``, two shared weights.

    Parameters
    ----------
    self_state
        The node's previous state ``s_i``, shape ``(..., d)``.
    messages
        One message per neighbour, shape ``(..., n_i, d)`` with ``n_i >= 1``; leading
        axes broadcast against those of ``self_state``.
    weights
        ``(w_1, w_2)``.

    Returns
    -------
    numpy.ndarray
        The new state, shape ``(..., d)``.

    Raises
    ------
    ValueError
        For mismatched shapes, an empty neighbourhood, or not exactly two weights.

    Examples
    --------
    >>> rule_mean([1.0, 0.0], [[2.0, 2.0], [0.0, 4.0]], [1.0, 0.5])
    array([1.5, 1.5])
    """
    s, m, w = _rule_inputs(self_state, messages, weights)
    w1, w2 = _two_weights(w, "(i)")
    result: FloatArray = w1 * s + w2 * m.mean(axis=-2)
    return result


def rule_indexed_max(self_state: ArrayLike, messages: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Rule (ii): ``max(w_1 s_i, w_2 m_{i,1}, ..., w_{n_i+1} m_{i,n_i})``, one weight per slot.

    The ``j``-th listed neighbour is scaled by ``w_{j+1}``, so the output depends on the
    order of the list, and a node of degree ``n_i`` needs ``n_i + 1`` weights: no single
    weight vector serves nodes of different degrees. (The source ends the list at
    ``w_{n_i-1}``; the last index must be ``n_i + 1``.)

    Parameters
    ----------
    self_state
        ``s_i``, shape ``(..., d)``.
    messages
        Shape ``(..., n_i, d)``, ``n_i >= 1``.
    weights
        ``(w_1, ..., w_{n_i+1})``: exactly ``n_i + 1`` of them.

    Returns
    -------
    numpy.ndarray
        The elementwise maximum, shape ``(..., d)``.

    Raises
    ------
    ValueError
        For mismatched shapes, or a number of weights other than ``n_i + 1``.

    Examples
    --------
    >>> rule_indexed_max([0.0], [[1.0], [2.0]], [1.0, 3.0, 1.0])
    array([3.])
    >>> rule_indexed_max([0.0], [[2.0], [1.0]], [1.0, 3.0, 1.0])  # same set, other order
    array([6.])
    >>> rule_indexed_max([0.0], [[1.0]], [1.0, 3.0, 1.0])
    Traceback (most recent call last):
    ...
    ValueError: rule (ii) needs n_i + 1 = 2 weights for a node with 1 neighbour(s) ... got 3 weights
    """
    s, m, w = _rule_inputs(self_state, messages, weights)
    degree = m.shape[-2]
    if w.shape[0] != degree + 1:
        raise ValueError(
            f"rule (ii) needs n_i + 1 = {degree + 1} weights for a node with {degree} "
            f"neighbour(s) (messages has {degree} row(s) on axis -2), got {w.shape[0]} weights"
        )
    return _elementwise_max(w[0] * s, w[1:, None] * m)


def rule_shared_max(self_state: ArrayLike, messages: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Rule (iii): ``max(w_1 s_i, w_2 m_{i,1}, ..., w_2 m_{i,n_i})``, one weight for all messages.

    Parameters
    ----------
    self_state
        ``s_i``, shape ``(..., d)``.
    messages
        Shape ``(..., n_i, d)``, ``n_i >= 1``.
    weights
        ``(w_1, w_2)``.

    Returns
    -------
    numpy.ndarray
        The elementwise maximum, shape ``(..., d)``.

    Raises
    ------
    ValueError
        For mismatched shapes or not exactly two weights.

    Examples
    --------
    >>> rule_shared_max([0.0, 5.0], [[1.0, 1.0], [2.0, -1.0]], [1.0, 3.0])
    array([6., 5.])
    """
    s, m, w = _rule_inputs(self_state, messages, weights)
    w1, w2 = _two_weights(w, "(iii)")
    return _elementwise_max(w1 * s, w2 * m)


def weights_needed(rule: Rule, degree: int) -> int:
    """Return how many scalar weights ``rule`` uses at a node with ``degree`` neighbours.

    Parameters
    ----------
    rule
        :func:`rule_mean`, :func:`rule_indexed_max` or :func:`rule_shared_max`.
    degree
        Number of neighbours ``n_i >= 1``.

    Returns
    -------
    int
        2 for the shared-weight rules, ``degree + 1`` for rule (ii).

    Raises
    ------
    ValueError
        For another function, or ``degree < 1``.

    Examples
    --------
    >>> [weights_needed(rule_indexed_max, n) for n in (1, 2, 3)]
    [2, 3, 4]
    >>> weights_needed(rule_mean, 3)
    2
    """
    n = as_int(degree, "degree", minimum=1)
    if rule is rule_indexed_max:
        return n + 1
    if rule is rule_mean or rule is rule_shared_max:
        return 2
    raise ValueError(
        "rule must be rule_mean, rule_indexed_max or rule_shared_max, "
        f"got {getattr(rule, '__name__', rule)!r}"
    )


def outputs_over_orderings(
    rule: Rule, self_state: ArrayLike, messages: ArrayLike, weights: ArrayLike
) -> FloatArray:
    """Evaluate ``rule`` for every ordering of the neighbours, all orderings in one batch.

    Parameters
    ----------
    rule
        One of the three rules (or any function with their signature).
    self_state
        ``s_i``, shape ``(d,)``.
    messages
        The neighbours' messages, shape ``(n_i, d)``, ``1 <= n_i <=``
        :data:`MAX_ORDERING_DEGREE`.
    weights
        The rule's weights (the same vector for every ordering).

    Returns
    -------
    numpy.ndarray
        Shape ``(n_i!, d)``: row ``p`` is the output when the neighbours are listed in
        the ``p``-th ordering of ``itertools.permutations(range(n_i))`` (row 0: as given).
        The rule is order-invariant at this input exactly when all rows agree.

    Raises
    ------
    ValueError
        If ``messages`` is not ``(n_i, d)`` or ``n_i`` exceeds the limit.

    Examples
    --------
    >>> m = [[1.0], [2.0], [4.0]]
    >>> outputs_over_orderings(rule_shared_max, [0.0], m, [1.0, 1.0]).ravel()
    array([4., 4., 4., 4., 4., 4.])
    >>> outputs_over_orderings(rule_indexed_max, [0.0], m, [1.0, 3.0, 2.0, 1.0]).ravel()
    array([ 4.,  8.,  6.,  8., 12., 12.])
    """
    if not callable(rule):
        raise TypeError(f"rule must be a function (s, m, w) -> state, got {type(rule).__name__}")
    s = as_real_array(self_state, "self_state", ndim=1)
    m = as_real_array(messages, "messages", ndim=2)
    degree = m.shape[0]
    if degree > MAX_ORDERING_DEGREE:
        raise ValueError(
            f"messages has {degree} neighbours; at most {MAX_ORDERING_DEGREE} "
            f"({math.factorial(MAX_ORDERING_DEGREE)} orderings) are enumerated (sample random "
            "permutations to go beyond)"
        )
    orderings = np.array(list(itertools.permutations(range(degree))), dtype=np.int64)
    return rule(s, m[orderings], weights)


# ------------------------------------------------------------ masked cross-entropy

#: Labels ``y_i`` of the five-node example (nodes 1..5).
FIG4_LABELS: dict[int, int] = {1: 0, 2: 1, 3: 1, 4: 1, 5: 0}
#: Training nodes of the five-node example; nodes 1 and 4 are held out.
FIG4_TRAIN: tuple[int, ...] = (2, 3, 5)
#: The edges the source fixes, so that ``N(2) = {1, 4, 5}`` and ``N(3) = {5}``.
FIG4_FIXED_EDGES: tuple[tuple[int, int], ...] = ((1, 2), (2, 4), (2, 5), (3, 5))
#: The edges the source leaves open (any subset keeps ``N(2)`` and ``N(3)``).
FIG4_OPTIONAL_EDGES: tuple[tuple[int, int], ...] = ((1, 4), (1, 5), (4, 5))


def figure4_graph(extra_edges: Iterable[tuple[int, int]] = ((1, 4), (4, 5))) -> nx.Graph:
    """Return the five-node graph of the chapter, nodes named 1..5.

    The source only fixes ``N(2) = {1, 4, 5}`` and ``N(3) = {5}``; the edges among
    ``{1, 4, 5}`` are a choice, passed as ``extra_edges``.

    Parameters
    ----------
    extra_edges
        A subset of :data:`FIG4_OPTIONAL_EDGES` (default: 1--4 and 4--5).

    Returns
    -------
    networkx.Graph
        Nodes ``1, ..., 5`` with attribute ``y`` (the label of :data:`FIG4_LABELS`)
        and ``train`` (whether the node is in :data:`FIG4_TRAIN`).

    Raises
    ------
    ValueError
        If an extra edge is not among the optional ones.

    Examples
    --------
    >>> G = figure4_graph()
    >>> sorted(G[2]), sorted(G[3])
    ([1, 4, 5], [5])
    >>> figure4_graph([(2, 3)])
    Traceback (most recent call last):
    ...
    ValueError: extra_edges must be among ((1, 4), (1, 5), (4, 5)), got (2, 3)
    """
    G = nx.Graph()
    for node, label in FIG4_LABELS.items():
        G.add_node(node, y=label, train=node in FIG4_TRAIN)
    G.add_edges_from(FIG4_FIXED_EDGES)
    for edge in _items(extra_edges, "extra_edges", "node pairs", ordered=False):
        if not isinstance(edge, tuple | list) or len(edge) != 2:
            raise ValueError(f"extra_edges must hold node pairs, got {repr(edge)[:60]}")
        pair = tuple(sorted(as_int(v, "extra_edges") for v in edge))
        if pair not in FIG4_OPTIONAL_EDGES:
            raise ValueError(f"extra_edges must be among {FIG4_OPTIONAL_EDGES}, got {edge}")
        G.add_edge(*pair)
    return G


def _binary_labels(labels: ArrayLike) -> FloatArray:
    y = as_real_array(labels, "labels", ndim=1)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("labels must be 0 or 1")
    return y


def _mask(mask: ArrayLike, n: int) -> NDArray[np.bool_]:
    if isinstance(mask, str | bytes) or mask is None:
        raise TypeError(f"mask must be a boolean array, got {type(mask).__name__}")
    try:
        selected = np.asarray(mask)
    except (TypeError, ValueError):
        raise ValueError("mask must be a rectangular boolean array") from None
    if selected.dtype != bool:
        raise TypeError(f"mask must be a boolean array, got dtype {selected.dtype}")
    if selected.shape != (n,):
        raise ValueError(f"mask must have shape ({n},), one entry per node, got {selected.shape}")
    if not selected.any():
        raise ValueError("mask must select at least one training node")
    return selected


def masked_bce(labels: ArrayLike, probabilities: ArrayLike, mask: ArrayLike) -> float:
    r"""Average binary cross-entropy over the nodes selected by ``mask``.

    ``L = (1/|T|) sum_{i in T} [y_i log(1/ŷ_i) + (1 - y_i) log(1/(1 - ŷ_i))]`` with
    ``T`` the training nodes; held-out nodes do not enter. Terms with a zero factor are
    exactly zero (``0 log 0 = 0``).

    Parameters
    ----------
    labels
        ``y``, 0/1 per node, shape ``(n,)``.
    probabilities
        ``ŷ``, the predicted probability of class 1, in ``[0, 1]``, shape ``(n,)``.
    mask
        Boolean, shape ``(n,)``, true on the training nodes (at least one).

    Returns
    -------
    float
        The loss; ``inf`` if a training node gets probability 0 for its own label.

    Raises
    ------
    ValueError
        For labels other than 0/1, probabilities outside ``[0, 1]``, mismatched shapes,
        or an empty mask.
    TypeError
        If ``mask`` is not boolean.

    Examples
    --------
    >>> y, p = [0, 1, 1, 1, 0], [0.3, 0.9, 0.8, 0.6, 0.2]
    >>> mask = [False, True, True, False, True]
    >>> round(masked_bce(y, p, mask), 6), round(float(-np.log(0.9 * 0.8 * 0.8) / 3), 6)
    (0.183883, 0.183883)
    """
    y = _binary_labels(labels)
    p = as_real_array(probabilities, "probabilities", ndim=1)
    if p.shape != y.shape:
        raise ValueError(f"probabilities must have shape {y.shape} like labels, got {p.shape}")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("probabilities must lie in [0, 1]")
    train = _mask(mask, len(y))
    with np.errstate(divide="ignore"):
        terms = -(xlogy(y, p) + xlog1py(1 - y, -p))
    return float(terms[train].mean())


def masked_bce_torch(
    labels: torch.Tensor, probabilities: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Masked binary cross-entropy with ``torch.nn.functional.binary_cross_entropy``.

    The same quantity as :func:`masked_bce`, differentiable in ``probabilities``
    (torch clamps each log at -100, so a certain wrong prediction costs 100, not inf).

    Parameters
    ----------
    labels
        Floating tensor of 0/1, shape ``(n,)``.
    probabilities
        Floating tensor in ``[0, 1]``, shape ``(n,)``.
    mask
        Boolean tensor, shape ``(n,)``, selecting at least one node.

    Returns
    -------
    torch.Tensor
        The scalar loss.

    Raises
    ------
    TypeError
        If an argument is not a tensor of the right dtype.
    ValueError
        For mismatched shapes, values out of range or an empty mask.

    Examples
    --------
    >>> p = torch.tensor([0.3, 0.9, 0.8, 0.6, 0.2], dtype=torch.float64)
    >>> y = torch.tensor([0.0, 1.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    >>> mask = torch.tensor([False, True, True, False, True])
    >>> round(float(masked_bce_torch(y, p, mask)), 6)
    0.183883
    """
    for name, value in (("labels", labels), ("probabilities", probabilities), ("mask", mask)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    for name, value in (("labels", labels), ("probabilities", probabilities)):
        if not value.is_floating_point():
            raise TypeError(f"{name} must be a floating tensor, got {value.dtype}")
        if value.ndim != 1 or value.numel() == 0:
            raise ValueError(f"{name} must be a non-empty 1-D tensor, got {tuple(value.shape)}")
    if probabilities.shape != labels.shape:
        raise ValueError(
            f"probabilities must have shape {tuple(labels.shape)}, got {tuple(probabilities.shape)}"
        )
    if not bool(torch.all((labels == 0) | (labels == 1))):
        raise ValueError("labels must be 0 or 1")
    if not bool(torch.all((probabilities >= 0) & (probabilities <= 1))):
        raise ValueError("probabilities must lie in [0, 1] (and not be NaN)")
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be a boolean tensor, got {mask.dtype}")
    if mask.shape != labels.shape:
        raise ValueError(f"mask must have shape {tuple(labels.shape)}, got {tuple(mask.shape)}")
    if not bool(mask.any()):
        raise ValueError("mask must select at least one training node")
    return torch.nn.functional.binary_cross_entropy(probabilities[mask], labels[mask])


def masked_bce_expression(
    labels: Mapping[Any, int], probabilities: Mapping[Any, Any], train: Iterable[Any]
) -> sympy.Expr:
    r"""Write the masked binary cross-entropy as a sympy expression, zero terms dropped.

    Parameters
    ----------
    labels
        ``{node: 0 or 1}``.
    probabilities
        ``{node: ŷ}``, sympy expressions (for example positive symbols).
    train
        The training nodes (at least one; each must have a label and a prediction).

    Returns
    -------
    sympy.Expr
        ``(1/|T|) sum_{i in T} [y_i log(1/ŷ_i) + (1 - y_i) log(1/(1 - ŷ_i))]``; a term
        whose label factor is 0 vanishes (sympy multiplies it out).

    Raises
    ------
    ValueError
        For an empty training set, a missing node or a label other than 0/1.

    Examples
    --------
    >>> a, b, c, d, e = sympy.symbols("a b c d e", positive=True)
    >>> masked_bce_expression(FIG4_LABELS, dict(zip(range(1, 6), (a, b, c, d, e))), FIG4_TRAIN)
    -log(b)/3 - log(c)/3 - log(1 - e)/3
    """
    for name, mapping in (("labels", labels), ("probabilities", probabilities)):
        if not isinstance(mapping, Mapping):
            raise TypeError(f"{name} must be a mapping node -> value, got {type(mapping).__name__}")
    nodes = _items(train, "train", "nodes", ordered=False)
    if not nodes:
        raise ValueError("train must contain at least one node")
    total = sympy.Integer(0)
    for node in nodes:
        try:
            known = node in labels and node in probabilities
        except TypeError:
            raise TypeError(f"train nodes must be hashable, got {type(node).__name__}") from None
        if not known:
            raise ValueError(f"train node {node!r} needs an entry in labels and in probabilities")
        y = labels[node]
        if isinstance(y, bool) or y not in (0, 1):
            raise ValueError(f"labels must be 0 or 1, got {y!r} for node {node!r}")
        try:
            p = sympy.sympify(probabilities[node], strict=True)
        except sympy.SympifyError:
            raise TypeError(
                f"probabilities must be sympy expressions or numbers, got "
                f"{type(probabilities[node]).__name__} for node {node!r}"
            ) from None
        if p.is_number and not (p.is_real and 0 <= p <= 1):
            raise ValueError(f"probabilities must lie in [0, 1], got {p} for node {node!r}")
        total += y * sympy.log(1 / p) + (1 - y) * sympy.log(1 / (1 - p))
    return sympy.expand_log(total / len(nodes), force=True)


# --------------------------------------------------------- residual message passing


def _graph_adjacency(graph: nx.Graph | ArrayLike) -> tuple[IntArray, list[Any]]:
    """Adjacency of a networkx graph (nodes in sorted order) or a validated 0/1 array."""
    if isinstance(graph, nx.Graph):
        if graph.is_directed():
            raise ValueError("graph must be undirected")
        if graph.number_of_nodes() == 0:
            raise ValueError("graph must have at least one node")
        nodes = sorted(graph.nodes)
        A = nx.to_numpy_array(graph, nodelist=nodes, weight=None, dtype=np.int64)
        return adjacency_matrix(A, name="graph"), nodes
    A = adjacency_matrix(graph, name="graph")
    if A.ndim != 2:
        raise ValueError(f"graph must be a single (n, n) adjacency, got shape {A.shape}")
    return A, list(range(A.shape[0]))


def residual_message_passing(
    graph: nx.Graph | ArrayLike,
    states: ArrayLike,
    W1: ArrayLike,
    W2: ArrayLike,
    layers: int = 1,
) -> FloatArray:
    """Run ``s_i <- s_i + W_1 (1/n_i) sum_{j in N(i)} tanh(W_2 s_j)`` for ``layers`` layers.

    Every node sends its own previous state as its message (``m = s``); ``W_1`` and
    ``W_2`` are shared by all nodes and layers. All nodes update at once:
    ``S <- S + D^{-1} A tanh(S W_2^T) W_1^T``.

    Parameters
    ----------
    graph
        An undirected networkx graph (rows follow ``sorted(graph.nodes)``) or a
        symmetric 0/1 adjacency ``(n, n)``. Every node needs a neighbour (the mean
        over an empty neighbourhood is undefined).
    states
        ``S``, shape ``(n, d)``: row ``r`` is the state of the ``r``-th node.
    W1
        Shape ``(d, k)``.
    W2
        Shape ``(k, d)``.
    layers
        Number of updates, ``0 <= layers <=`` :data:`MAX_LAYERS`.

    Returns
    -------
    numpy.ndarray
        Shape ``(layers + 1, n, d)``: the states after each layer (index 0: the input).

    Raises
    ------
    ValueError
        For an isolated node, mismatched shapes (``W_1`` must be ``d x k`` when ``W_2``
        is ``k x d``), or too many layers.

    Examples
    --------
    >>> path = [[0, 1], [1, 0]]
    >>> S = residual_message_passing(path, [[0.0], [1.0]], [[1.0]], [[1.0]], layers=1)
    >>> np.round(S[1], 4)
    array([[0.7616],
           [1.    ]])
    """
    A, _ = _graph_adjacency(graph)
    S = as_real_array(states, "states", ndim=2)
    first = as_real_array(W1, "W1", ndim=2)
    second = as_real_array(W2, "W2", ndim=2)
    n, d = S.shape
    k = second.shape[0]
    if S.shape[0] != A.shape[0]:
        raise ValueError(f"states must have one row per node ({A.shape[0]}), got {n}")
    if second.shape != (k, d):
        raise ValueError(f"W2 must have shape (k, d) = (k, {d}), got {second.shape}")
    if first.shape != (d, k):
        raise ValueError(f"W1 must have shape (d, k) = ({d}, {k}), got {first.shape}")
    K = as_int(layers, "layers", minimum=0)
    if K > MAX_LAYERS:
        raise ValueError(f"layers must be at most {MAX_LAYERS}, got {K}")
    degree = A.sum(axis=1)
    if np.any(degree == 0):
        raise ValueError(
            f"graph has an isolated node (row {int(np.argmin(degree))}); rule (8) averages "
            "over the neighbours and needs at least one"
        )
    mean = A / degree[:, None]
    history = [S]
    for _ in range(K):
        S = S + mean @ np.tanh(S @ second.T) @ first.T
        history.append(S)
    return np.stack(history)


class ElementwiseTanh(MatrixExpr):  # type: ignore[misc]
    r"""``tanh`` applied entry by entry to a matrix expression, printed ``\tanh(...)``.

    ``numeric`` and ``latex_template`` let :func:`dlhw.proof.evaluate.compile_numeric`
    evaluate an expression containing it with numpy, like a quantity made by
    :func:`dlhw.proof.notation.defined`: a claim can state the expansion of rule (8)
    and be checked on the very same object.
    """

    latex_template = r"\tanh(#0)"
    numeric = staticmethod(np.tanh)

    def __new__(cls, arg: Any) -> ElementwiseTanh:
        """Wrap the matrix expression ``arg``."""
        return super().__new__(cls, sympy.sympify(arg))  # type: ignore[no-any-return]

    @property
    def shape(self) -> tuple[Any, Any]:
        """The shape of the argument."""
        return self.args[0].shape  # type: ignore[no-any-return]

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        return sympy.tanh(self.args[0]._entry(i, j, **kwargs))

    def doit(self, **hints: Any) -> Any:
        """Apply ``tanh`` to every entry once the argument is an explicit matrix."""
        arg = self.args[0].doit(**hints)
        if isinstance(arg, sympy.MatrixBase):
            return arg.applyfunc(sympy.tanh)
        return type(self)(arg)

    def _latex(self, printer: Any) -> str:
        return rf"\tanh({printer._print(self.args[0])})"

    def _sympystr(self, printer: Any) -> str:
        return f"tanh({printer._print(self.args[0])})"


def residual_symbols(
    graph: nx.Graph | ArrayLike, d: int = 2, k: int = 3, superscript: str | None = None
) -> tuple[dict[Any, sympy.MatrixSymbol], sympy.MatrixSymbol, sympy.MatrixSymbol]:
    r"""Return the matrix symbols of rule (8): one state ``s_j`` per node, ``W_1``, ``W_2``.

    Parameters
    ----------
    graph
        A networkx graph or an adjacency matrix (nodes ``0..n-1``).
    d
        State dimension.
    k
        Number of rows of ``W_2``.
    superscript
        LaTeX for the layer of the states, e.g. ``r"\ell-1"``: the state of node 2 is
        then named ``s_{2}^{\ell-1}`` (default: no superscript, ``s_2``).

    Returns
    -------
    tuple
        ``({node: s_node (d x 1)}, W_1 (d x k), W_2 (k x d))``.

    Raises
    ------
    ValueError
        For an invalid graph or dimensions below 1.

    Examples
    --------
    >>> states, W1, W2 = residual_symbols(figure4_graph())
    >>> states[3], W1.shape, W2.shape
    (s_3, (2, 3), (3, 2))
    >>> residual_symbols(figure4_graph(), superscript=r"\ell-1")[0][2]
    s_{2}^{\ell-1}
    """
    _, nodes = _graph_adjacency(graph)
    dim = as_int(d, "d", minimum=1)
    rows = as_int(k, "k", minimum=1)
    if superscript is None:
        names = {node: f"s_{node}" for node in nodes}
    else:
        if not isinstance(superscript, str) or not superscript.strip():
            raise TypeError(f"superscript must be a non-empty string, got {superscript!r}")
        names = {node: f"s_{{{node}}}^{{{superscript}}}" for node in nodes}
    states = {node: sympy.MatrixSymbol(names[node], dim, 1) for node in nodes}
    return states, sympy.MatrixSymbol("W_1", dim, rows), sympy.MatrixSymbol("W_2", rows, dim)


def residual_update_expression(
    graph: nx.Graph | ArrayLike, node: Any, d: int = 2, k: int = 3, superscript: str | None = None
) -> MatrixExpr:
    r"""Rule (8) for one node with ``m = s``, the sum over its neighbours written out.

    Parameters
    ----------
    graph
        A networkx graph (for example :func:`figure4_graph`) or an adjacency matrix.
    node
        The node whose new state is expanded.
    d, k, superscript
        The dimensions and the state names of :func:`residual_symbols`.

    Returns
    -------
    sympy.matrices.expressions.MatrixExpr
        ``s_i + (1/n_i) W_1 (tanh(W_2 s_{j_1}) + ... + tanh(W_2 s_{j_{n_i}}))`` in the
        symbols of :func:`residual_symbols`, neighbours in sorted order.

    Raises
    ------
    ValueError
        If ``node`` is not in the graph or has no neighbour.

    Examples
    --------
    >>> G = figure4_graph()
    >>> residual_update_expression(G, 3)
    W_1*tanh(W_2*s_5) + s_3
    >>> print(sympy.latex(residual_update_expression(G, 2)))
    \frac{1}{3} W_{1} \left(\tanh(W_{2} s_{1}) + \tanh(W_{2} s_{4}) + ...\right) + s_{2}
    """
    A, nodes = _graph_adjacency(graph)
    try:
        known = not isinstance(node, bool) and node in nodes
    except (TypeError, ValueError):  # e.g. an array, whose == is elementwise
        known = False
    if not known:
        raise ValueError(f"node must be a node of the graph ({nodes}), got {repr(node)[:60]}")
    states, W1, W2 = residual_symbols(graph, d, k, superscript)
    row = nodes.index(node)
    neighbours = [nodes[j] for j in np.flatnonzero(A[row])]
    if not neighbours:
        raise ValueError(f"node {node!r} has no neighbour; rule (8) is undefined there")
    total = sum(
        (ElementwiseTanh(W2 * states[j]) for j in neighbours[1:]),
        ElementwiseTanh(W2 * states[neighbours[0]]),
    )
    if len(neighbours) == 1:
        update = W1 * total
    else:  # 1/n_i as an unevaluated power: the book prints it \frac{1}{n_i}, not (\frac{1}{n_i})
        update = sympy.MatMul(sympy.Pow(len(neighbours), -1, evaluate=False), W1, total)
    return sympy.MatAdd(states[node], update, evaluate=False)  # printed in this order


def evaluate_expression(
    expression: MatrixExpr, values: Mapping[sympy.MatrixSymbol, ArrayLike]
) -> FloatArray:
    """Evaluate a matrix expression by substituting explicit matrices for its symbols.

    The arithmetic is sympy's (exact for rational inputs until ``tanh``), independent of
    the numpy code of :func:`residual_message_passing`.

    Parameters
    ----------
    expression
        A sympy matrix expression, e.g. from :func:`residual_update_expression`.
    values
        ``{symbol: array}`` for every matrix symbol of the expression, with its shape.

    Returns
    -------
    numpy.ndarray
        The value as floats, with the expression's shape.

    Raises
    ------
    ValueError
        If a symbol is missing or a value has the wrong shape.

    Examples
    --------
    >>> W = sympy.MatrixSymbol("W", 1, 1)
    >>> evaluate_expression(2 * W, {W: [[1.5]]})
    array([[3.]])
    """
    if not isinstance(expression, sympy.Basic):
        raise TypeError(
            f"expression must be a sympy matrix expression, got {type(expression).__name__}"
        )
    if not isinstance(values, Mapping):
        raise TypeError(
            f"values must be a mapping {{MatrixSymbol: array}}, got {type(values).__name__}"
        )
    substitution = {}
    for symbol, value in values.items():
        if not isinstance(symbol, sympy.MatrixSymbol):
            raise TypeError(f"values must be keyed by sympy MatrixSymbols, got {symbol!r}")
        array = as_real_array(value, f"values[{symbol}]", ndim=2)
        if array.shape != tuple(symbol.shape):
            raise ValueError(
                f"values[{symbol}] must have shape {tuple(symbol.shape)}, got {array.shape}"
            )
        substitution[symbol] = sympy.ImmutableMatrix(array.tolist())
    missing = set(expression.free_symbols) - set(substitution)
    if missing:
        raise ValueError(f"values lacks the symbol(s) {sorted(map(str, missing))}")
    explicit = sympy.Matrix(expression.subs(substitution).doit())
    return np.array(explicit.evalf(), dtype=np.float64)


# ------------------------------------------------------------------ the karate club

#: The faction names of ``networkx.karate_club_graph()``; label 0 and 1.
FACTIONS: tuple[str, str] = ("Mr. Hi", "Officer")
#: The two leaders, Mr. Hi (node 0) and the administrator John A (node 33).
LEADERS: tuple[int, int] = (0, 33)
#: Default training nodes, the two leaders, three more members of each faction, and the
#: two members who sit between the factions (8 follows Mr. Hi, 9 the Officer).
KARATE_TRAIN_NODES: tuple[int, ...] = (0, 1, 2, 3, 8, 9, 30, 31, 32, 33)


def karate_club() -> tuple[IntArray, IntArray]:
    """Return Zachary's karate club: the 0/1 adjacency and the faction of every member.

    Returns
    -------
    tuple
        ``(A, y)``: ``A`` is the ``34 x 34`` 0/1 adjacency (edge weights ignored, no
        self-loops, 78 edges) and ``y[i]`` is 0 for "Mr. Hi" and 1 for "Officer".

    Examples
    --------
    >>> A, y = karate_club()
    >>> A.shape, int(A.sum()) // 2, int(y.sum())
    ((34, 34), 78, 17)
    """
    G = nx.karate_club_graph()
    nodes = sorted(G.nodes)
    A = nx.to_numpy_array(G, nodelist=nodes, weight=None, dtype=np.int64)
    y = np.array([FACTIONS.index(G.nodes[v]["club"]) for v in nodes], dtype=np.int64)
    return A, y


def add_self_loops(adjacency: ArrayLike) -> IntArray:
    """Return ``Ã = A + I``: every node also listens to itself.

    Parameters
    ----------
    adjacency
        Symmetric 0/1 adjacency ``(n, n)`` (or a stack) without self-loops.

    Returns
    -------
    numpy.ndarray
        ``A + I``, int64.

    Raises
    ------
    ValueError
        If ``adjacency`` is not a symmetric 0/1 matrix or already has a self-loop.

    Examples
    --------
    >>> add_self_loops([[0, 1], [1, 0]])
    array([[1, 1],
           [1, 1]])
    """
    A = adjacency_matrix(adjacency)
    if np.any(np.diagonal(A, axis1=-2, axis2=-1)):
        raise ValueError("adjacency already has a self-loop (non-zero diagonal)")
    return A + np.eye(A.shape[-1], dtype=np.int64)


def gcn_adjacency(adjacency: ArrayLike) -> FloatArray:
    r"""Return ``Â = D̃^{-1/2} (A + I) D̃^{-1/2}``, the propagation matrix of a GCN.

    ``Â`` is symmetric with eigenvalues in ``(-1, 1]``: the self-loops keep the
    spectrum away from -1, which ``D^{-1/2} A D^{-1/2}`` reaches on bipartite graphs.

    Parameters
    ----------
    adjacency
        Symmetric 0/1 adjacency ``(n, n)`` (or a stack) without self-loops.

    Returns
    -------
    numpy.ndarray
        ``Â``, the shape of ``adjacency``.

    Raises
    ------
    ValueError
        As :func:`add_self_loops`.

    Examples
    --------
    >>> np.round(gcn_adjacency([[0, 1], [1, 0]]), 3)
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    return symmetric_normalisation(add_self_loops(adjacency))


# ------------------------------------------------------------- layers and training

_ACTIVATIONS: dict[
    str, tuple[Callable[[FloatArray], FloatArray], Callable[[FloatArray], FloatArray]]
] = {
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64)),
    "identity": (lambda z: z, np.ones_like),
}


def _activation(name: object) -> str:
    return _choice(name, "activation", sorted(_ACTIVATIONS))


class GraphConvLayer:
    r"""One graph-convolution layer ``H' = phi(Â H W + b)`` with a hand-written backward pass.

    :meth:`forward` remembers what :meth:`backward` needs. Given ``G_out = dL/dH'``,
    :meth:`backward` forms ``G = G_out * phi'(Â H W + b)`` (after the activation's
    derivative) and sets ``grad_W = (Â H)^T G`` and ``grad_b = 1^T G``; it returns
    ``dL/dH = Â^T G W^T``.

    Parameters
    ----------
    W
        Weights, shape ``(f_in, f_out)``.
    b
        Bias, shape ``(f_out,)``.
    activation
        ``"tanh"``, ``"relu"`` or ``"identity"``.

    Examples
    --------
    >>> layer = GraphConvLayer(np.eye(2), np.zeros(2), "identity")
    >>> A_hat = gcn_adjacency([[0, 1], [1, 0]])
    >>> layer.forward(A_hat, [[1.0, 0.0], [0.0, 1.0]])
    array([[0.5, 0.5],
           [0.5, 0.5]])
    >>> layer.backward(np.ones((2, 2)))
    array([[1., 1.],
           [1., 1.]])
    >>> layer.grad_W
    array([[1., 1.],
           [1., 1.]])
    """

    def __init__(self, W: ArrayLike, b: ArrayLike, activation: Activation = "tanh") -> None:
        self.W = as_real_array(W, "W", ndim=2)
        self.b = as_real_array(b, "b", ndim=1)
        if self.b.shape != (self.W.shape[1],):
            raise ValueError(
                f"b must have shape ({self.W.shape[1]},) like W's columns, got {self.b.shape}"
            )
        self.activation = _activation(activation)
        self.grad_W = np.zeros_like(self.W)
        self.grad_b = np.zeros_like(self.b)
        self._cache: tuple[FloatArray, FloatArray, FloatArray] | None = None

    @classmethod
    def glorot(
        cls, n_in: int, n_out: int, activation: Activation = "tanh", *, seed: object = None
    ) -> GraphConvLayer:
        """Make a layer with Glorot-uniform weights and zero bias.

        Parameters
        ----------
        n_in, n_out
            Input and output widths, ``n_in * n_out <=`` :data:`MAX_WEIGHTS`.
        activation
            The activation.
        seed
            Seed or ``numpy.random.Generator`` for the weights.

        Returns
        -------
        GraphConvLayer
            The initialised layer.

        Examples
        --------
        >>> GraphConvLayer.glorot(34, 2, seed=0).W.shape
        (34, 2)
        """
        fan_in = as_int(n_in, "n_in", minimum=1)
        fan_out = as_int(n_out, "n_out", minimum=1)
        if fan_in * fan_out > MAX_WEIGHTS:
            raise ValueError(
                f"n_in * n_out = {fan_in * fan_out} weights exceed MAX_WEIGHTS = {MAX_WEIGHTS}"
            )
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        W = as_generator(seed).uniform(-limit, limit, size=(fan_in, fan_out))
        return cls(W, np.zeros(fan_out), activation)

    def forward(self, A_hat: ArrayLike, H: ArrayLike) -> FloatArray:
        """Return ``phi(Â H W + b)`` and remember the inputs for :meth:`backward`.

        Parameters
        ----------
        A_hat
            Propagation matrix ``(n, n)``.
        H
            Node features ``(n, f_in)``.

        Returns
        -------
        numpy.ndarray
            ``H'``, shape ``(n, f_out)``.

        Raises
        ------
        ValueError
            For mismatched shapes.

        Examples
        --------
        >>> GraphConvLayer(np.ones((1, 1)), [0.0], "relu").forward([[1.0]], [[-2.0]])
        array([[0.]])
        """
        propagate = as_real_array(A_hat, "A_hat", ndim=2)
        features = as_real_array(H, "H", ndim=2)
        n = propagate.shape[0]
        if propagate.shape != (n, n):
            raise ValueError(f"A_hat must be square, got shape {propagate.shape}")
        if features.shape != (n, self.W.shape[0]):
            raise ValueError(
                f"H must have shape ({n}, {self.W.shape[0]}) (nodes x input width), "
                f"got {features.shape}"
            )
        AH = propagate @ features
        Z = AH @ self.W + self.b
        self._cache = (propagate, AH, Z)
        return _ACTIVATIONS[self.activation][0](Z)

    def backward(self, grad_out: ArrayLike) -> FloatArray:
        """Back-propagate ``dL/dH'``: set ``grad_W``, ``grad_b`` and return ``dL/dH``.

        Parameters
        ----------
        grad_out
            ``dL/dH'``, the shape of the last output.

        Returns
        -------
        numpy.ndarray
            ``dL/dH = Â^T G W^T`` with ``G = grad_out * phi'(Â H W + b)``.

        Raises
        ------
        RuntimeError
            If :meth:`forward` has not been called.
        ValueError
            If ``grad_out`` has the wrong shape.

        Examples
        --------
        >>> layer = GraphConvLayer([[2.0]], [0.0], "identity")
        >>> _ = layer.forward([[1.0]], [[3.0]])
        >>> layer.backward([[1.0]]), layer.grad_W, layer.grad_b
        (array([[2.]]), array([[3.]]), array([1.]))
        """
        if self._cache is None:
            raise RuntimeError("call forward before backward")
        propagate, AH, Z = self._cache
        upstream = as_real_array(grad_out, "grad_out", ndim=2)
        if upstream.shape != Z.shape:
            raise ValueError(f"grad_out must have shape {Z.shape}, got {upstream.shape}")
        G = upstream * _ACTIVATIONS[self.activation][1](Z)
        self.grad_W = AH.T @ G
        self.grad_b = G.sum(axis=0)
        return propagate.T @ G @ self.W.T


def softmax_cross_entropy(
    logits: ArrayLike, labels: ArrayLike, mask: ArrayLike
) -> tuple[float, FloatArray]:
    """Mean softmax cross-entropy over the masked nodes, and its gradient in the logits.

    Parameters
    ----------
    logits
        Scores, shape ``(n, c)``.
    labels
        Class of every node in ``0..c-1``, shape ``(n,)`` (unmasked entries unused).
    mask
        Boolean, shape ``(n,)``, true on the training nodes.

    Returns
    -------
    tuple
        ``(loss, grad)``: ``loss = -(1/|T|) sum_{i in T} log softmax(logits_i)[y_i]``
        and ``grad = (softmax(logits) - onehot(y)) / |T|`` on the masked rows, 0 on the
        others.

    Raises
    ------
    ValueError
        For mismatched shapes, labels out of range or an empty mask.

    Examples
    --------
    >>> loss, grad = softmax_cross_entropy([[0.0, 0.0]], [1], [True])
    >>> round(loss, 6), grad
    (0.693147, array([[ 0.5, -0.5]]))
    """
    scores = as_real_array(logits, "logits", ndim=2)
    n, classes = scores.shape
    y = _integer_array(labels, "labels")
    if y.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {y.shape}")
    train = _mask(mask, n)
    if np.any((y[train] < 0) | (y[train] >= classes)):
        raise ValueError(f"labels of training nodes must lie in 0..{classes - 1}")
    rows = np.flatnonzero(train)
    log_p = log_softmax(scores[rows], axis=1)
    loss = -float(log_p[np.arange(len(rows)), y[rows]].mean())
    grad = np.zeros_like(scores)
    grad[rows] = np.exp(log_p)
    grad[rows, y[rows]] -= 1.0
    return loss, grad / len(rows)


def _parameters(parameters: object) -> list[FloatArray]:
    """Check the arrays an optimiser updates in place: float64 numpy arrays."""
    arrays = _items(parameters, "parameters", "numpy arrays")
    if not arrays:
        raise ValueError("parameters must hold at least one array")
    for i, p in enumerate(arrays):
        if not isinstance(p, np.ndarray) or p.dtype != np.float64:
            raise TypeError(f"parameters[{i}] must be a float64 numpy array (updated in place)")
    return arrays


def _check_gradients(parameters: Sequence[FloatArray], gradients: object) -> list[FloatArray]:
    grads = _items(gradients, "gradients", "arrays")
    if len(grads) != len(parameters):
        raise ValueError(f"need {len(parameters)} gradients, got {len(grads)}")
    checked = []
    for i, (p, g) in enumerate(zip(parameters, grads, strict=True)):
        array = as_real_array(g, f"gradient {i}")
        if array.shape != p.shape:
            raise ValueError(f"gradient {i} must have shape {p.shape}, got {array.shape}")
        checked.append(array)
    return checked


class Adam:
    """Adam on a list of numpy arrays, updated in place (Kingma and Ba's defaults).

    Parameters
    ----------
    parameters
        The arrays to optimise.
    learning_rate
        Step size, ``> 0``.
    betas
        Decay rates of the first and second moment estimates, in ``[0, 1)``.
    eps
        Added to the root of the second moment.

    Examples
    --------
    >>> x = np.array([1.0])
    >>> opt = Adam([x], learning_rate=0.1)
    >>> opt.step([np.array([2.0])])
    >>> np.round(x, 6)
    array([0.9])
    """

    def __init__(
        self,
        parameters: Sequence[FloatArray],
        learning_rate: float = 0.01,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.parameters = _parameters(parameters)
        self.learning_rate = as_positive_float(learning_rate, "learning_rate")
        pair = _items(betas, "betas", "numbers")
        ok = len(pair) == 2 and all(
            isinstance(b, int | float) and not isinstance(b, bool) and 0 <= b < 1 for b in pair
        )
        if not ok:
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
        self.betas = (float(pair[0]), float(pair[1]))
        self.eps = as_positive_float(eps, "eps")
        self.first = [np.zeros_like(p) for p in self.parameters]
        self.second = [np.zeros_like(p) for p in self.parameters]
        self.steps = 0

    def step(self, gradients: Sequence[FloatArray]) -> None:
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        gradients
            One gradient per parameter, same shapes.

        Raises
        ------
        ValueError
            If the gradients do not match the parameters.

        Examples
        --------
        >>> x = np.zeros(2)
        >>> Adam([x]).step([np.ones(3)])
        Traceback (most recent call last):
        ...
        ValueError: gradient 0 must have shape (2,), got (3,)
        """
        checked = _check_gradients(self.parameters, gradients)
        self.steps += 1
        beta1, beta2 = self.betas
        for i, g in enumerate(checked):
            self.first[i] = beta1 * self.first[i] + (1 - beta1) * g
            self.second[i] = beta2 * self.second[i] + (1 - beta2) * g**2
            m_hat = self.first[i] / (1 - beta1**self.steps)
            v_hat = self.second[i] / (1 - beta2**self.steps)
            self.parameters[i] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


class GradientDescent:
    """Plain gradient descent ``p <- p - eta g`` on a list of numpy arrays, in place.

    Parameters
    ----------
    parameters
        The arrays to optimise.
    learning_rate
        Step size ``eta > 0``.

    Examples
    --------
    >>> x = np.array([1.0])
    >>> GradientDescent([x], 0.25).step([np.array([2.0])])
    >>> x
    array([0.5])
    """

    def __init__(self, parameters: Sequence[FloatArray], learning_rate: float = 0.01) -> None:
        self.parameters = _parameters(parameters)
        self.learning_rate = as_positive_float(learning_rate, "learning_rate")

    def step(self, gradients: Sequence[FloatArray]) -> None:
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        gradients
            One gradient per parameter, same shapes.

        Raises
        ------
        ValueError
            If the gradients do not match the parameters.

        Examples
        --------
        >>> GradientDescent([np.zeros(2)]).step([])
        Traceback (most recent call last):
        ...
        ValueError: need 1 gradients, got 0
        """
        for i, g in enumerate(_check_gradients(self.parameters, gradients)):
            self.parameters[i] -= self.learning_rate * g


class GCNClassifier:
    """Graph-convolution layers followed by a softmax over classes (Kipf and Welling).

    Hidden layers use ``tanh``; the last layer is linear and outputs the logits.

    Parameters
    ----------
    A_hat
        Propagation matrix ``(n, n)``, e.g. :func:`gcn_adjacency`.
    widths
        Layer widths ``(f_in, h_1, ..., c)``: input width, hidden widths, classes.
    seed
        Seed or generator for the Glorot initialisation.

    Examples
    --------
    >>> A, y = karate_club()
    >>> model = GCNClassifier(gcn_adjacency(A), (34, 2, 2), seed=0)
    >>> model.forward(np.eye(34)).shape
    (34, 2)
    """

    def __init__(self, A_hat: ArrayLike, widths: Sequence[int], *, seed: object = None) -> None:
        self.A_hat = as_real_array(A_hat, "A_hat", ndim=2)
        sizes = [as_int(w, "widths", minimum=1) for w in _items(widths, "widths", "widths")]
        if len(sizes) < 2:
            raise ValueError(f"widths must list at least input and output widths, got {sizes}")
        rng = as_generator(seed)
        self.layers = [
            GraphConvLayer.glorot(a, b, "tanh" if i < len(sizes) - 2 else "identity", seed=rng)
            for i, (a, b) in enumerate(itertools.pairwise(sizes))
        ]
        self.hidden: list[FloatArray] = []

    def parameters(self) -> list[FloatArray]:
        """Return the weight and bias arrays of every layer (updated in place by training).

        Returns
        -------
        list
            ``[W_1, b_1, W_2, b_2, ...]``.

        Examples
        --------
        >>> len(GCNClassifier(np.eye(3), (3, 4, 2), seed=0).parameters())
        4
        """
        return [p for layer in self.layers for p in (layer.W, layer.b)]

    def gradients(self) -> list[FloatArray]:
        """Return the gradients of the last :meth:`backward`, ordered as :meth:`parameters`.

        Returns
        -------
        list
            ``[dW_1, db_1, dW_2, db_2, ...]``.

        Examples
        --------
        >>> [g.shape for g in GCNClassifier(np.eye(3), (3, 2), seed=0).gradients()]
        [(3, 2), (2,)]
        """
        return [g for layer in self.layers for g in (layer.grad_W, layer.grad_b)]

    def forward(self, X: ArrayLike) -> FloatArray:
        """Return the logits ``(n, c)``; the hidden outputs are kept in ``self.hidden``.

        Parameters
        ----------
        X
            Node features ``(n, f_in)``.

        Returns
        -------
        numpy.ndarray
            Logits, one row per node.

        Examples
        --------
        >>> GCNClassifier(np.eye(2), (2, 3), seed=0).forward(np.eye(2)).shape
        (2, 3)
        """
        H = as_real_array(X, "X", ndim=2)
        self.hidden = []
        for layer in self.layers:
            H = layer.forward(self.A_hat, H)
            self.hidden.append(H)
        return H

    def backward(self, grad_logits: ArrayLike) -> None:
        """Back-propagate ``dL/dlogits`` through every layer, filling the gradients.

        Parameters
        ----------
        grad_logits
            ``dL/dlogits``, shape ``(n, c)``.

        Examples
        --------
        >>> model = GCNClassifier(np.eye(2), (2, 3), seed=0)
        >>> _ = model.forward(np.eye(2))
        >>> model.backward(np.ones((2, 3)))
        >>> model.layers[0].grad_b
        array([2., 2., 2.])
        """
        grad = as_real_array(grad_logits, "grad_logits", ndim=2)
        for layer in reversed(self.layers):
            grad = layer.backward(grad)


@dataclass(frozen=True)
class GCNRun:
    """The outcome of :func:`train_gcn`.

    Attributes
    ----------
    losses
        Training objective (cross-entropy plus weight decay) before each update,
        shape ``(epochs,)``.
    embedding
        Output of the last hidden layer after training (the input features when there
        is no hidden layer), shape ``(n, h)``.
    probabilities
        Softmax class probabilities after training, shape ``(n, c)``.
    predictions
        Predicted class of every node.
    labels
        True class of every node.
    train_nodes
        The labelled nodes the loss used.
    test_accuracy
        Fraction of the other nodes predicted correctly.
    misfit_train_nodes
        Training nodes whose prediction differs from their label.
    parameters
        The trained weights and biases ``(W_1, b_1, W_2, b_2, ...)``, copies.
    """

    losses: FloatArray
    embedding: FloatArray
    probabilities: FloatArray
    predictions: IntArray
    labels: IntArray
    train_nodes: tuple[int, ...]
    test_accuracy: float
    misfit_train_nodes: tuple[int, ...]
    parameters: tuple[FloatArray, ...] = ()


def _class_labels(labels: ArrayLike, n: int) -> IntArray:
    y = _integer_array(labels, "labels")
    if y.shape != (n,) or np.any(y < 0):
        raise ValueError(f"labels must be {n} non-negative class indices, got shape {y.shape}")
    return y


def _train_nodes(train_nodes: Iterable[int], n: int) -> tuple[int, ...]:
    nodes = _items(train_nodes, "train_nodes", "node indices", ordered=False)
    train = tuple(as_int(v, "train_nodes", minimum=0) for v in nodes)
    if not train or len(set(train)) != len(train) or max(train) >= n:
        raise ValueError(f"train_nodes must be distinct node indices in 0..{n - 1}, got {train}")
    if len(train) == n:
        raise ValueError("train_nodes must leave at least one node out for testing")
    return train


def train_gcn(
    adjacency: ArrayLike,
    labels: ArrayLike,
    train_nodes: Iterable[int] = KARATE_TRAIN_NODES,
    *,
    features: ArrayLike | None = None,
    hidden: Sequence[int] = (2,),
    epochs: int = 400,
    learning_rate: float = 0.01,
    optimizer: Literal["adam", "gd"] = "adam",
    weight_decay: float = 0.01,
    seed: object = 0,
) -> GCNRun:
    """Train a GCN classifier full-batch on the labelled nodes and evaluate the rest.

    Parameters
    ----------
    adjacency
        Symmetric 0/1 adjacency ``(n, n)`` without self-loops (:func:`karate_club`).
    labels
        Class of every node, integers ``0..c-1``, shape ``(n,)``.
    train_nodes
        Indices of the labelled nodes (distinct, at least one, not all of them).
    features
        Node features ``(n, f)``; the identity ``I_n`` (one-hot node ids) by default.
    hidden
        Hidden widths (``tanh``); ``(2,)`` gives a 2-D embedding to plot.
    epochs
        Number of full-batch updates, ``1 <= epochs <=`` :data:`MAX_EPOCHS`.
    learning_rate
        Step size.
    optimizer
        ``"adam"`` or plain gradient descent ``"gd"``.
    weight_decay
        ``lambda >= 0``: the objective adds ``(lambda / 2) sum ||W||_F^2`` over the
        weight matrices (not the biases).
    seed
        Seed or generator of the initial weights: the run is a function of it.

    Returns
    -------
    GCNRun
        Loss history, embedding, predictions, held-out accuracy, misfit training nodes.

    Raises
    ------
    ValueError
        For invalid graph, labels, nodes or settings.

    Examples
    --------
    >>> A, y = karate_club()
    >>> run = train_gcn(A, y, epochs=200, seed=0)
    >>> bool(run.losses[-1] < run.losses[0]), run.embedding.shape
    (True, (34, 2))
    >>> [p.shape for p in run.parameters]
    [(34, 2), (2,), (2, 2), (2,)]
    """
    A = adjacency_matrix(adjacency)
    if A.ndim != 2:
        raise ValueError(f"adjacency must be a single (n, n) matrix, got shape {A.shape}")
    n = A.shape[0]
    y = _class_labels(labels, n)
    train = _train_nodes(train_nodes, n)
    X = np.eye(n) if features is None else as_real_array(features, "features", ndim=2)
    if X.shape[0] != n:
        raise ValueError(f"features must have one row per node ({n}), got {X.shape[0]}")
    widths = [
        as_int(w, "hidden", minimum=1, maximum=MAX_WEIGHTS, limit_name="dlhw.gnn.MAX_WEIGHTS")
        for w in _items(hidden, "hidden", "widths")
    ]
    T = as_int(epochs, "epochs", minimum=1)
    if T > MAX_EPOCHS:
        raise ValueError(f"epochs must be at most {MAX_EPOCHS}, got {T}")
    lr = as_positive_float(learning_rate, "learning_rate")
    decay = as_positive_float(weight_decay, "weight_decay", allow_zero=True)
    _choice(optimizer, "optimizer", ("adam", "gd"))
    classes = int(y.max()) + 1
    model = GCNClassifier(gcn_adjacency(A), (X.shape[1], *widths, max(classes, 2)), seed=seed)
    mask = np.zeros(n, dtype=bool)
    mask[list(train)] = True
    update = (Adam if optimizer == "adam" else GradientDescent)(model.parameters(), lr)
    losses = np.empty(T)
    for epoch in range(T):
        loss, grad = softmax_cross_entropy(model.forward(X), y, mask)
        weights = [layer.W for layer in model.layers]
        losses[epoch] = loss + decay / 2 * sum(float(np.sum(W**2)) for W in weights)
        model.backward(grad)
        for layer in model.layers:
            layer.grad_W += decay * layer.W
        update.step(model.gradients())
        if not all(np.all(np.isfinite(p)) for p in model.parameters()):
            raise ValueError(
                f"learning_rate = {learning_rate!r} makes training diverge: the weights "
                f"overflowed float64 at epoch {epoch}; use a smaller learning_rate"
            )
    logits = model.forward(X)
    probabilities = np.exp(log_softmax(logits, axis=1))
    predictions = logits.argmax(axis=1).astype(np.int64)
    test = ~mask
    accuracy = float(np.mean(predictions[test] == y[test]))
    return GCNRun(
        losses=losses,
        embedding=model.hidden[-2] if len(model.hidden) > 1 else X,
        probabilities=probabilities,
        predictions=predictions,
        labels=y,
        train_nodes=train,
        test_accuracy=accuracy,
        misfit_train_nodes=tuple(v for v in train if predictions[v] != y[v]),
        parameters=tuple(p.copy() for p in model.parameters()),
    )


# ------------------------------------------------------------- gradient witnesses


def _check_layer(layer: object) -> None:
    if not isinstance(layer, GraphConvLayer):
        raise TypeError(f"layer must be a dlhw.gnn.GraphConvLayer, got {type(layer).__name__}")


def layer_gradients_torch(
    layer: GraphConvLayer, A_hat: ArrayLike, H: ArrayLike, grad_out: ArrayLike
) -> dict[str, FloatArray]:
    """Gradients of ``L = sum(grad_out * layer(H))`` by torch autograd in float64.

    An independent witness for :meth:`GraphConvLayer.backward`: the same formula written
    with torch tensors, differentiated by autograd.

    Parameters
    ----------
    layer
        The layer (its ``W``, ``b`` and activation are used, not its backward).
    A_hat, H
        The forward inputs.
    grad_out
        The upstream gradient, shape of the output.

    Returns
    -------
    dict
        ``{"W": dL/dW, "b": dL/db, "H": dL/dH}``.

    Examples
    --------
    >>> layer = GraphConvLayer([[2.0]], [0.0], "identity")
    >>> layer_gradients_torch(layer, [[1.0]], [[3.0]], [[1.0]])["W"]
    array([[3.]])
    """
    propagate = torch.tensor(as_real_array(A_hat, "A_hat", ndim=2), dtype=torch.float64)
    features = torch.tensor(as_real_array(H, "H", ndim=2), dtype=torch.float64, requires_grad=True)
    _check_layer(layer)
    W = torch.tensor(layer.W, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(layer.b, dtype=torch.float64, requires_grad=True)
    upstream = torch.tensor(as_real_array(grad_out, "grad_out", ndim=2), dtype=torch.float64)
    out = propagate @ features @ W + b
    if layer.activation == "tanh":
        out = torch.tanh(out)
    elif layer.activation == "relu":
        out = torch.relu(out)
    if out.shape != upstream.shape:
        raise ValueError(
            f"grad_out must have shape {tuple(out.shape)}, got {tuple(upstream.shape)}"
        )
    (out * upstream).sum().backward()  # type: ignore[no-untyped-call]
    grads = {"W": W.grad, "b": b.grad, "H": features.grad}
    return {name: g.numpy() for name, g in grads.items() if g is not None}


def layer_gradients_finite_difference(
    layer: GraphConvLayer,
    A_hat: ArrayLike,
    H: ArrayLike,
    grad_out: ArrayLike,
    *,
    step: float = 1e-6,
) -> dict[str, FloatArray]:
    """Gradients of ``L = sum(grad_out * layer(H))`` by central finite differences.

    Each entry of ``W``, ``b`` and ``H`` is moved by ``±step`` and the change of ``L``
    divided by ``2 step`` (error ``O(step^2)`` for smooth activations). The layer's
    weights are restored afterwards.

    Parameters
    ----------
    layer
        The layer (only its forward pass is used).
    A_hat, H
        The forward inputs.
    grad_out
        The upstream gradient.
    step
        The perturbation, ``> 0``.

    Returns
    -------
    dict
        ``{"W": ..., "b": ..., "H": ...}``, like :func:`layer_gradients_torch`.

    Raises
    ------
    ValueError
        If more than :data:`MAX_FINITE_DIFFERENCES` entries would be perturbed.

    Examples
    --------
    >>> layer = GraphConvLayer([[2.0]], [0.0], "tanh")
    >>> g = layer_gradients_finite_difference(layer, [[1.0]], [[0.5]], [[1.0]])
    >>> bool(abs(g["H"][0, 0] - 2 * (1 - np.tanh(1.0) ** 2)) < 1e-8)
    True
    """
    _check_layer(layer)
    h = as_positive_float(step, "step")
    features = as_real_array(H, "H", ndim=2)
    upstream = as_real_array(grad_out, "grad_out", ndim=2)
    count = layer.W.size + layer.b.size + features.size
    if count > MAX_FINITE_DIFFERENCES:
        raise ValueError(
            f"the check would perturb {count} entries; at most {MAX_FINITE_DIFFERENCES} "
            "are allowed (use a smaller layer or graph)"
        )

    def loss(features: FloatArray) -> float:
        return float(np.sum(upstream * layer.forward(A_hat, features)))

    def derivative(array: FloatArray, evaluate: Callable[[], float]) -> FloatArray:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + h
            up = evaluate()
            array[index] = saved - h
            down = evaluate()
            array[index] = saved
            grad[index] = (up - down) / (2 * h)
        return grad

    result = {
        "W": derivative(layer.W, lambda: loss(features)),
        "b": derivative(layer.b, lambda: loss(features)),
        "H": derivative(features, lambda: loss(features)),
    }
    layer._cache = None  # the perturbed forward passes are not the layer's state
    return result
