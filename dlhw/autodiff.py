"""A tiny reverse-mode autodiff engine over numpy arrays, and finite differences.

:class:`Graph` is the book's version of the ``nn.py`` scaffold of S4-Q2. Every call
(``tensor``, ``add``, ``matmul``, ``relu``, ``sigmoid``, ``sum``) appends one vertex and
returns its integer ID, so a vertex's children always have smaller IDs: increasing ID
is a topological order by construction. For vertex ``i`` the graph stores ``op[i]``,
``name[i]``, ``children[i]`` (the operands), ``parents[i]`` (one entry per use: a value
used by two operations has two parents), ``shape[i]``, ``value[i]`` and ``grad[i]``.

:meth:`Graph.run_eval` visits vertices in increasing ID order and :meth:`Graph.run_grad`
in decreasing order, accumulating (``+=``) each parent's contribution into a child's
gradient. Both accept an ``order`` so that a wrong order can be watched failing, and
``run_grad(..., accumulate=False)`` reproduces the scaffold's ``=`` rule.
:func:`scaffold_grads` evaluates the scaffold's literal ``add``/``matmul`` formulas,
which are wrong for batched biases and for 1-D vectors (``.T`` does nothing on 1-D).

Shapes: values are 0-, 1- or 2-D float64 arrays. ``add`` broadcasts like numpy (its
gradient sums the upstream over the broadcast axes); ``matmul`` follows numpy for 1-D
and 2-D operands (a 1-D first operand is a row vector, a 1-D second one a column).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from dlhw.validation import as_int, as_positive_float, as_real_array

FloatArray = NDArray[np.float64]
Shape = tuple[int, ...]

#: The operations a :class:`Graph` can record, in the order :func:`all_graphs` tries them.
OPS = ("tensor", "add", "matmul", "relu", "sigmoid", "sum")
_ARITY = {"tensor": 0, "add": 2, "matmul": 2, "relu": 1, "sigmoid": 1, "sum": 1}
#: Largest ``max_vertices`` for :func:`all_graphs` (about 10**5 graphs at 5 vertices).
MAX_ENUMERATION_VERTICES = 5
#: Largest number of function evaluations one finite-difference call may make.
MAX_DIFFERENCE_EVALUATIONS = 10**5
#: Largest number of steps :func:`difference_errors` tries.
MAX_EPSILONS = 1000


# --------------------------------------------------------------- the op rules


def _unbroadcast(grad: FloatArray, shape: Shape) -> FloatArray:
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach ``shape``."""
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _grad_matmul(up: FloatArray, a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Gradients of ``a @ b``: a 1-D ``a`` is a row ``(1, k)``, a 1-D ``b`` a column ``(k, 1)``."""
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    up2 = up.reshape(a2.shape[0], b2.shape[1])
    return (up2 @ b2.T).reshape(a.shape), (a2.T @ up2).reshape(b.shape)


Values = Sequence[FloatArray]
_EVAL: dict[str, Callable[[Values], FloatArray]] = {
    "add": lambda x: x[0] + x[1],
    "matmul": lambda x: np.asarray(x[0] @ x[1]),
    "relu": lambda x: np.maximum(x[0], 0.0),
    "sigmoid": lambda x: expit(x[0]),
    "sum": lambda x: np.asarray(x[0].sum()),
}
# Each rule maps (upstream, child values, own value) to one gradient per child.
_GRAD: dict[str, Callable[[FloatArray, Values, FloatArray], tuple[FloatArray, ...]]] = {
    "add": lambda up, x, _: (_unbroadcast(up, x[0].shape), _unbroadcast(up, x[1].shape)),
    "matmul": lambda up, x, _: _grad_matmul(up, x[0], x[1]),
    "relu": lambda up, x, _: (up * (x[0] > 0),),
    "sigmoid": lambda up, _, y: (up * y * (1.0 - y),),
    "sum": lambda up, x, _: (np.broadcast_to(up, x[0].shape).copy(),),
}


def _matmul_shape(sa: Shape, sb: Shape) -> Shape:
    if not (1 <= len(sa) <= 2 and 1 <= len(sb) <= 2):
        raise ValueError(f"matmul needs 1-D or 2-D operands, got shapes {sa} and {sb}")
    if sa[-1] != sb[0]:
        raise ValueError(
            f"matmul inner dimensions must agree: a has shape {sa}, b has shape {sb} "
            f"({sa[-1]} != {sb[0]})"
        )
    return sa[:-1] + sb[1:]


def _finite(array: FloatArray, what: str) -> FloatArray:
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} is not finite (overflow to inf or NaN); rescale the inputs")
    return array


# -------------------------------------------------------------------- the graph


class Graph:
    """A computation graph whose vertex IDs are assigned in creation order.

    Attributes
    ----------
    op, name
        Per vertex: the operation (one of :data:`OPS`) and a label (the op by default).
    children, parents
        Per vertex: the operand IDs, and the IDs of the operations using it (one entry
        per use, so ``add(x, x)`` lists its vertex twice among ``x``'s parents).
    shape, value, grad
        Per vertex: the shape (known at creation), and the arrays set by
        :meth:`run_eval` and :meth:`run_grad` (``None`` until then).

    Examples
    --------
    >>> g = Graph()
    >>> w, A = g.tensor([1, 2, 3], name="w"), g.tensor([[1, 2], [3, 4], [5, 6]], name="A")
    >>> y = g.matmul(w, A)
    >>> g.run_eval(y)
    array([22., 28.])
    >>> g.run_grad(y, [1, 0])
    >>> g.grad[w], g.grad[A].tolist()
    (array([1., 3., 5.]), [[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    """

    def __init__(self) -> None:
        self.op: list[str] = []
        self.name: list[str] = []
        self.children: list[tuple[int, ...]] = []
        self.parents: list[list[int]] = []
        self.shape: list[Shape] = []
        self.value: list[FloatArray | None] = []
        self.grad: list[FloatArray | None] = []
        self._sent: list[bool] = []  # has the vertex passed its gradient on (this sweep)?

    def __len__(self) -> int:
        return len(self.op)

    def __repr__(self) -> str:
        return f"Graph({len(self)} vertices)"

    def _vertex(self, vertex: object, name: str) -> int:
        i = as_int(vertex, name, minimum=0)
        if not len(self):
            raise ValueError(f"{name} must be a vertex ID, but the graph has no vertices yet")
        if i >= len(self):
            raise ValueError(
                f"{name} must be a vertex ID of this graph (0..{len(self) - 1}), got {i}"
            )
        return i

    def _new_vertex(
        self, op: str, children: tuple[int, ...], shape: Shape, name: str | None
    ) -> int:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string or None, got {type(name).__name__}")
        i = len(self)
        self.op.append(op)
        self.name.append(op if name is None else name)
        self.children.append(children)
        self.parents.append([])
        for child in children:
            self.parents[child].append(i)
        self.shape.append(shape)
        self.value.append(None)
        self.grad.append(None)
        self._sent.append(False)
        return i

    def tensor(self, value: ArrayLike, name: str | None = None) -> int:
        """Add an input vertex holding ``value`` (a finite 0-, 1- or 2-D array).

        Parameters
        ----------
        value
            The array; it is copied to float64.
        name
            Label for figures and messages (defaults to ``"tensor"``).

        Returns
        -------
        int
            The new vertex ID.

        Raises
        ------
        TypeError, ValueError
            If ``value`` is not a finite, non-empty real array of at most 2 dimensions.

        Examples
        --------
        >>> g = Graph()
        >>> g.tensor([[1, 2]], name="x"), g.shape[0]
        (0, (1, 2))
        """
        array = as_real_array(value, "value")
        if array.ndim > 2:
            raise ValueError(f"value must be 0-, 1- or 2-D, got shape {array.shape}")
        i = self._new_vertex("tensor", (), array.shape, name)
        self.value[i] = array
        return i

    def add(self, a: int, b: int, name: str | None = None) -> int:
        """Add a vertex for ``a + b`` (numpy broadcasting, e.g. a bias over a batch).

        Parameters
        ----------
        a, b
            Vertex IDs of the operands.
        name
            Label for figures and messages (defaults to ``"add"``).

        Returns
        -------
        int
            The new vertex ID (larger than every existing one).

        Raises
        ------
        TypeError, ValueError
            If ``a`` or ``b`` is not a vertex ID, or their shapes do not broadcast.

        Examples
        --------
        >>> g = Graph()
        >>> c = g.add(g.tensor([[1, 2], [3, 4]]), g.tensor([10, 20]))
        >>> g.shape[c], g.run_eval(c).tolist()
        ((2, 2), [[11.0, 22.0], [13.0, 24.0]])
        """
        a, b = self._vertex(a, "a"), self._vertex(b, "b")
        try:
            shape = np.broadcast_shapes(self.shape[a], self.shape[b])
        except ValueError:
            raise ValueError(
                f"a and b must have broadcastable shapes, got {self.shape[a]} and {self.shape[b]}"
            ) from None
        return self._new_vertex("add", (a, b), shape, name)

    def matmul(self, a: int, b: int, name: str | None = None) -> int:
        """Add a vertex for the matrix product ``a @ b`` of 1-D or 2-D operands.

        Parameters
        ----------
        a, b
            Vertex IDs of the operands.
        name
            Label for figures and messages (defaults to ``"matmul"``).

        Returns
        -------
        int
            The new vertex ID (larger than every existing one).

        Raises
        ------
        TypeError, ValueError
            If an operand is not a vertex ID or is 0-D, or the inner dimensions differ.

        Examples
        --------
        >>> g = Graph()
        >>> y = g.matmul(g.tensor([1, 2]), g.tensor([[1, 0], [0, 1]]))
        >>> g.run_eval(y)
        array([1., 2.])
        """
        a, b = self._vertex(a, "a"), self._vertex(b, "b")
        return self._new_vertex("matmul", (a, b), _matmul_shape(self.shape[a], self.shape[b]), name)

    def relu(self, a: int, name: str | None = None) -> int:
        """Add a vertex for ``max(a, 0)`` elementwise (its derivative at 0 is taken as 0).

        Parameters
        ----------
        a
            Vertex ID of the operand.
        name
            Label for figures and messages (defaults to ``"relu"``).

        Returns
        -------
        int
            The new vertex ID (larger than every existing one).

        Raises
        ------
        TypeError, ValueError
            If ``a`` is not a vertex ID.

        Examples
        --------
        >>> g = Graph()
        >>> g.run_eval(g.relu(g.tensor([-1.0, 0.0, 2.0])))
        array([0., 0., 2.])
        """
        a = self._vertex(a, "a")
        return self._new_vertex("relu", (a,), self.shape[a], name)

    def sigmoid(self, a: int, name: str | None = None) -> int:
        """Add a vertex for the logistic sigmoid ``1 / (1 + exp(-a))`` elementwise.

        Parameters
        ----------
        a
            Vertex ID of the operand.
        name
            Label for figures and messages (defaults to ``"sigmoid"``).

        Returns
        -------
        int
            The new vertex ID (larger than every existing one).

        Raises
        ------
        TypeError, ValueError
            If ``a`` is not a vertex ID.

        Examples
        --------
        >>> g = Graph()
        >>> g.run_eval(g.sigmoid(g.tensor([0.0])))
        array([0.5])
        """
        a = self._vertex(a, "a")
        return self._new_vertex("sigmoid", (a,), self.shape[a], name)

    def sum(self, a: int, name: str | None = None) -> int:
        """Add a vertex for the sum of all entries of ``a`` (a 0-D value, e.g. a loss).

        Parameters
        ----------
        a
            Vertex ID of the operand.
        name
            Label for figures and messages (defaults to ``"sum"``).

        Returns
        -------
        int
            The new vertex ID (larger than every existing one).

        Raises
        ------
        TypeError, ValueError
            If ``a`` is not a vertex ID.

        Examples
        --------
        >>> g = Graph()
        >>> float(g.run_eval(g.sum(g.tensor([[1, 2], [3, 4]]))))
        10.0
        """
        a = self._vertex(a, "a")
        return self._new_vertex("sum", (a,), (), name)

    def _order(self, order: Iterable[int] | None, output: int, reverse: bool) -> list[int]:
        if order is None:
            return list(range(output, -1, -1) if reverse else range(output + 1))
        if isinstance(order, str | bytes) or not isinstance(order, Iterable):
            raise TypeError(f"order must be a sequence of vertex IDs, got {type(order).__name__}")
        ids = [as_int(v, "order entries") for v in order]
        if sorted(ids) != list(range(output + 1)):
            raise ValueError(f"order must be a permutation of the vertex IDs 0..{output}")
        return ids

    def _label(self, i: int) -> str:
        return f"vertex {i} ({self.name[i]})"

    def run_eval(self, output: int, order: Iterable[int] | None = None) -> FloatArray:
        """Compute the value of every vertex ``0..output``, children before parents.

        The values of all operation vertices are cleared first, so an operation visited
        before one of its children finds no value there and the sweep stops with an
        error (never a stale value). Tensors hold their values from creation, so where
        they appear in ``order`` does not matter.

        Parameters
        ----------
        output
            The vertex whose value is wanted.
        order
            A permutation of ``0..output`` to visit in (default: increasing ID).

        Returns
        -------
        numpy.ndarray
            A copy of ``value[output]``.

        Raises
        ------
        ValueError
            If ``order`` is not a topological order (a vertex is visited before one of
            its children), or a value overflows to inf/NaN.

        Examples
        --------
        >>> g = Graph()
        >>> x = g.tensor([1.0, -2.0])
        >>> r = g.relu(x)
        >>> s = g.add(r, x)
        >>> g.run_eval(s)
        array([ 2., -2.])
        >>> g.run_eval(s, order=[0, 2, 1])
        Traceback (most recent call last):
        ...
        ValueError: order is not topological: vertex 2 (add) came before its child vertex 1 (relu)
        """
        output = self._vertex(output, "output")
        visits = self._order(order, output, reverse=False)
        for i, op in enumerate(self.op):
            if op != "tensor":
                self.value[i] = None
        with np.errstate(over="ignore", invalid="ignore"):
            for i in visits:
                if self.op[i] == "tensor":
                    continue
                values = []
                for child in self.children[i]:
                    value = self.value[child]
                    if value is None:
                        raise ValueError(
                            f"order is not topological: {self._label(i)} came before "
                            f"its child {self._label(child)}"
                        )
                    values.append(value)
                result = np.asarray(_EVAL[self.op[i]](values), dtype=np.float64)
                self.value[i] = _finite(result, f"the value of {self._label(i)}")
        return self.value[output].copy()  # type: ignore[union-attr]

    def run_grad(
        self,
        output: int,
        upstream: ArrayLike | None = None,
        *,
        order: Iterable[int] | None = None,
        accumulate: bool = True,
    ) -> None:
        """Backpropagate ``upstream = ∂f/∂output`` to every vertex ``0..output``.

        Afterwards ``grad[v] = ∂f/∂v`` with ``f = <upstream, value[output]>`` (zero for
        vertices ``output`` does not depend on). A vertex passes its gradient on only
        once, so it must have received all of its parents' contributions first; if a
        contribution arrives later, the sweep stops with an error rather than leave an
        incomplete gradient. Tensors pass nothing on, so their place in ``order`` is free.

        Parameters
        ----------
        output
            The vertex to differentiate; :meth:`run_eval` must have computed it.
        upstream
            ``∂f/∂output``, of the output's shape; may be omitted for a 0-D output (1).
        order
            A permutation of ``0..output`` to visit in (default: decreasing ID).
        accumulate
            ``True``: a child's gradient is the *sum* over its parents (``+=``).
            ``False``: the scaffold's ``=``, each parent overwriting the previous one,
            which is wrong for any vertex with two or more parents.

        Raises
        ------
        ValueError
            If values are missing, ``upstream`` has the wrong shape or is not finite,
            or ``order`` is not a reverse topological order (a vertex received a
            contribution after it had passed its gradient on).

        Examples
        --------
        >>> g = Graph()
        >>> x = g.tensor([3.0])
        >>> y = g.add(x, x)  # x has two parents
        >>> _ = g.run_eval(y)
        >>> g.run_grad(y, [1.0]); g.grad[x]
        array([2.])
        >>> g.run_grad(y, [1.0], accumulate=False); g.grad[x]
        array([1.])
        """
        output = self._vertex(output, "output")
        if not isinstance(accumulate, bool):
            raise TypeError(f"accumulate must be a bool, got {type(accumulate).__name__}")
        missing = [i for i in range(output + 1) if self.value[i] is None]
        if missing:
            raise ValueError(
                f"call run_eval({output}) before run_grad: {self._label(missing[0])} has no value"
            )
        if upstream is None:
            if self.shape[output] != ():
                raise ValueError(
                    f"upstream is required for an output of shape {self.shape[output]}"
                )
            upstream = 1.0
        up = as_real_array(upstream, "upstream")
        if up.shape != self.shape[output]:
            raise ValueError(
                f"upstream must have the shape of the output {self.shape[output]}, got {up.shape}"
            )
        visits = self._order(order, output, reverse=True)
        self.grad = [np.zeros(s) if i <= output else None for i, s in enumerate(self.shape)]
        self._sent = [False] * len(self)
        self.grad[output] = up.copy()
        with np.errstate(over="ignore", invalid="ignore"):
            for i in visits:
                if self.op[i] != "tensor":
                    self._push_grad(i, accumulate)
        for i in range(output + 1):
            _finite(self.grad[i], f"the gradient of {self._label(i)}")  # type: ignore[arg-type]

    def _push_grad(self, i: int, accumulate: bool) -> None:
        """Send vertex ``i``'s gradient to its children by the chain rule."""
        self._sent[i] = True
        values = [self.value[c] for c in self.children[i]]
        rule = _GRAD[self.op[i]]
        parts = rule(self.grad[i], values, self.value[i])  # type: ignore[arg-type]
        for child, raw in zip(self.children[i], parts, strict=True):
            part = np.asarray(raw, dtype=np.float64)
            if self._sent[child]:
                raise ValueError(
                    f"order is not reverse topological: {self._label(child)} received a "
                    f"gradient from its parent {self._label(i)} after passing its own on"
                )
            if accumulate:
                self.grad[child] += part  # type: ignore[operator]
            else:
                self.grad[child] = part.copy()


# ------------------------------------------------------- the scaffold's formulas


def scaffold_grads(
    op: Literal["add", "matmul"], upstream: ArrayLike, a: ArrayLike, b: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Evaluate the scaffold's literal gradient formulas for ``a + b`` and ``a @ b``.

    ``add``: both children get ``upstream`` unchanged (wrong shape for a bias broadcast
    over a batch). ``matmul``: ``upstream @ b.T`` and ``a.T @ upstream``; with 1-D
    arrays ``.T`` does nothing, so the second is an inner product, not the outer
    product ``np.outer(a, upstream)``: it fails when the lengths differ and returns a
    scalar when they agree.

    Parameters
    ----------
    op
        ``"add"`` or ``"matmul"``.
    upstream, a, b
        The upstream gradient and the two operand values.

    Returns
    -------
    tuple of numpy.ndarray
        What the scaffold would store as the gradients of ``a`` and ``b``.

    Raises
    ------
    ValueError
        If ``op`` is unknown, or the literal formula cannot be evaluated (the message
        says why).

    Examples
    --------
    >>> w, A = [1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]]
    >>> scaffold_grads("matmul", [1.0, 0.0], w, A)[1]  # should be [[1, 0], [2, 0]]
    array(1.)
    >>> scaffold_grads("matmul", [1.0, 0.0], [1.0, 2.0, 3.0], [[1, 2], [3, 4], [5, 6]])
    Traceback (most recent call last):
    ...
    ValueError: a.T @ upstream is (3,) @ (2,): .T does not transpose a 1-D array
    """
    if op not in ("add", "matmul"):
        raise ValueError(f"op must be 'add' or 'matmul', got {op!r}")
    up = as_real_array(upstream, "upstream")
    x, y = as_real_array(a, "a"), as_real_array(b, "b")
    if op == "add":
        return up.copy(), up.copy()
    first, second = (up, y.T, "upstream @ b.T"), (x.T, up, "a.T @ upstream")
    results = []
    for left, right, text in (first, second):
        try:
            results.append(np.asarray(left @ right))
        except ValueError:
            note = ": .T does not transpose a 1-D array" if min(x.ndim, up.ndim) == 1 else ""
            raise ValueError(f"{text} is {left.shape} @ {right.shape}{note}") from None
    return results[0], results[1]


# ------------------------------------------------------------- graph structure


def is_topological(graph: Graph, order: Iterable[int]) -> bool:
    """Whether every vertex of ``order`` comes after all of its children.

    Parameters
    ----------
    graph
        The graph.
    order
        A permutation of ``0..m-1`` for some ``1 <= m <= len(graph)``.

    Returns
    -------
    bool
        ``True`` if ``order`` is a topological order of the vertices it lists.

    Raises
    ------
    TypeError, ValueError
        If ``graph`` is not a :class:`Graph` or ``order`` is not such a permutation.

    Examples
    --------
    >>> g = Graph()
    >>> x = g.tensor([1.0])
    >>> y = g.relu(x)
    >>> is_topological(g, [0, 1]), is_topological(g, [1, 0])
    (True, False)
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a dlhw.autodiff.Graph, got {type(graph).__name__}")
    if len(graph) == 0:
        raise ValueError("graph must have at least one vertex")
    if isinstance(order, str | bytes) or not isinstance(order, Iterable):
        raise TypeError(f"order must be a sequence of vertex IDs, got {type(order).__name__}")
    ids = [as_int(v, "order entries") for v in order]
    if not 1 <= len(ids) <= len(graph) or sorted(ids) != list(range(len(ids))):
        raise ValueError(f"order must be a permutation of 0..m-1 with 1 <= m <= {len(graph)}")
    position = {v: k for k, v in enumerate(ids)}
    return all(
        child in position and position[child] < position[v]
        for v in ids
        for child in graph.children[v]
    )


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Return the graph as a networkx multigraph with an edge child -> parent per use.

    Node attributes ``op``, ``name`` and ``shape`` copy the graph's fields; ``add(x, x)``
    gives two parallel edges. Use it to draw the graph or to list topological orders.

    Parameters
    ----------
    graph
        The graph.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes are vertex IDs; edges point from operand to operation.

    Raises
    ------
    TypeError
        If ``graph`` is not a :class:`Graph`.

    Examples
    --------
    >>> g = Graph()
    >>> x = g.tensor([1.0])
    >>> _ = g.add(x, x)
    >>> G = to_networkx(g)
    >>> list(G.edges()), G.nodes[1]["op"]
    ([(0, 1), (0, 1)], 'add')
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a dlhw.autodiff.Graph, got {type(graph).__name__}")
    G = nx.MultiDiGraph()
    for i in range(len(graph)):
        G.add_node(i, op=graph.op[i], name=graph.name[i], shape=graph.shape[i])
        G.add_edges_from((child, i) for child in graph.children[i])
    return G


def _extend(graph: Graph, op: str, children: tuple[int, ...]) -> Graph | None:
    """Copy ``graph`` and make one more call on the copy (``None`` if the API refuses it)."""
    new = Graph()
    new.op, new.name, new.children = list(graph.op), list(graph.name), list(graph.children)
    new.parents = [list(p) for p in graph.parents]
    new.shape, new.value = list(graph.shape), list(graph.value)
    new.grad, new._sent = [None] * len(graph), [False] * len(graph)
    try:
        if op == "tensor":
            new.tensor([[1.0]])
        else:
            getattr(new, op)(*children)
    except ValueError:
        return None
    return new


def all_graphs(max_vertices: int) -> Iterator[Graph]:
    """Yield every graph the API builds from 1x1 tensors in at most ``max_vertices`` calls.

    Each call is one of :data:`OPS` with operands chosen among the existing vertices
    (ordered, repetition allowed); calls the API rejects (``matmul`` of a 0-D ``sum``)
    are skipped. Graphs are yielded depth-first: a graph comes before its extensions.

    Parameters
    ----------
    max_vertices
        ``1 <= max_vertices <= MAX_ENUMERATION_VERTICES``.

    Returns
    -------
    Iterator[Graph]
        Fresh, unevaluated graphs.

    Raises
    ------
    ValueError
        If ``max_vertices`` is out of range (without the shape rule there would be
        ``(2n)! / 2**n`` graphs with ``n`` vertices).

    Examples
    --------
    >>> [len(list(all_graphs(n))) for n in (1, 2, 3)]
    [1, 7, 94]
    """
    n = as_int(max_vertices, "max_vertices", minimum=1)
    if n > MAX_ENUMERATION_VERTICES:
        raise ValueError(
            f"max_vertices must be at most {MAX_ENUMERATION_VERTICES} (there are about 10**5 "
            "graphs at 5 vertices and 100 times more at 6); enumerate programs yourself to go on"
        )

    def grow(graph: Graph) -> Iterator[Graph]:
        size = len(graph)
        if size:
            yield graph
        if size == n:
            return
        calls = [(op, ch) for op in OPS for ch in itertools.product(range(size), repeat=_ARITY[op])]
        for op, children in calls:
            child = _extend(graph, op, children)
            if child is not None:
                yield from grow(child)

    return grow(Graph())


# ---------------------------------------------------------- finite differences


def _float_type(dtype: object) -> type[np.floating]:
    """``numpy.float32`` or ``numpy.float64`` (given as the type or as a ``numpy.dtype``)."""
    for kind in (np.float32, np.float64):
        if dtype is kind or (isinstance(dtype, np.dtype) and dtype == kind):
            return kind
    raise ValueError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}")


def finite_difference(
    f: Callable[[NDArray[Any]], ArrayLike],
    x: ArrayLike,
    eps: float,
    *,
    method: Literal["forward", "central"] = "central",
    dtype: type[np.floating] = np.float64,
) -> FloatArray:
    """Approximate the Jacobian of ``f`` at ``x`` by finite differences.

    Forward: ``(f(x + ε e_i) - f(x)) / ε`` (error ``O(ε)``); central:
    ``(f(x + ε e_i) - f(x - ε e_i)) / (2ε)`` (error ``O(ε²)``). All arithmetic, and
    ``f``'s outputs, are rounded to ``dtype``, so the rounding error grows like
    ``u |f| / ε`` (``u`` the unit roundoff of ``dtype``): in float32 (``u ≈ 6e-8``)
    ``ε = 1e-6`` leaves an error of order 0.1.

    Parameters
    ----------
    f
        Maps an array of ``x``'s shape (in ``dtype``) to a finite array.
    x
        The point.
    eps
        The step ``ε > 0``.
    method
        ``"forward"`` or ``"central"``.
    dtype
        ``numpy.float32`` or ``numpy.float64``.

    Returns
    -------
    numpy.ndarray
        ``J`` of shape ``x.shape + f(x).shape`` (float64) with ``J[i] ≈ ∂f/∂x_i``: for
        an upstream ``u``, ``∂<u, f>/∂x ≈ J @ u``.

    Raises
    ------
    TypeError, ValueError
        For a non-callable ``f``, a bad ``x``, ``eps``, ``method`` or ``dtype``, an
        ``f`` whose output is not finite or changes shape, or more than
        :data:`MAX_DIFFERENCE_EVALUATIONS` evaluations.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> finite_difference(lambda w: w @ A, [1.0, 2.0, 3.0], 1e-3, method="forward").round(6)
    array([[1., 2.],
           [3., 4.],
           [5., 6.]])
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    point = as_real_array(x, "x")
    step = as_positive_float(eps, "eps")
    if method not in ("forward", "central"):
        raise ValueError(f"method must be 'forward' or 'central', got {method!r}")
    dtype = _float_type(dtype)
    evaluations = point.size * (2 if method == "central" else 1) + 1
    if evaluations > MAX_DIFFERENCE_EVALUATIONS:
        raise ValueError(
            f"x has {point.size} entries, needing {evaluations} evaluations of f; the limit "
            f"is {MAX_DIFFERENCE_EVALUATIONS} (difference a slice of x instead)"
        )
    x0, h = point.astype(dtype), dtype(step)

    def call(z: NDArray[np.floating]) -> NDArray[np.floating]:
        out = as_real_array(f(z), "f(x)").astype(dtype)
        if out.shape != shape:
            raise ValueError(f"f(x) must keep its shape {shape}, got {out.shape}")
        return out

    f0 = as_real_array(f(x0), "f(x)").astype(dtype)
    shape = f0.shape
    rows = []
    for i in range(point.size):
        e = np.zeros(point.size, dtype=dtype)
        e[i] = h
        e = e.reshape(point.shape)
        if method == "forward":
            rows.append((call(x0 + e) - f0) / h)
        else:
            rows.append((call(x0 + e) - call(x0 - e)) / (dtype(2) * h))
    return np.stack(rows).reshape(point.shape + shape).astype(np.float64)


def difference_errors(
    f: Callable[[NDArray[Any]], ArrayLike],
    x: ArrayLike,
    exact: ArrayLike,
    epsilons: ArrayLike,
    *,
    method: Literal["forward", "central"] = "central",
    dtype: type[np.floating] = np.float64,
) -> FloatArray:
    """Largest entrywise error of :func:`finite_difference` against ``exact``, per ε.

    Parameters
    ----------
    f, x, method, dtype
        As for :func:`finite_difference`.
    exact
        The true Jacobian, shape ``x.shape + f(x).shape``.
    epsilons
        1-D array of positive steps (at most :data:`MAX_EPSILONS`).

    Returns
    -------
    numpy.ndarray
        ``max |J_ε - exact|`` for each ε: the curve of an error-vs-ε log-log plot.

    Raises
    ------
    ValueError
        If ``exact`` has the wrong shape or an ε is not positive.

    Examples
    --------
    >>> errs = difference_errors(np.sin, [1.0], [[np.cos(1.0)]], [1e-1, 1e-3], method="forward")
    >>> bool(errs[1] < errs[0] / 50)
    True
    """
    J = as_real_array(exact, "exact")
    steps = as_real_array(epsilons, "epsilons", ndim=1)
    if steps.size > MAX_EPSILONS:
        raise ValueError(f"epsilons may hold at most {MAX_EPSILONS} steps, got {steps.size}")
    if steps.size == 0 or not np.all(steps > 0):
        raise ValueError(f"epsilons must be a non-empty array of steps > 0, got {steps!r}")
    errors = []
    for eps in steps:
        approx = finite_difference(f, x, float(eps), method=method, dtype=dtype)
        if approx.shape != J.shape:
            raise ValueError(
                f"exact must have shape x.shape + f(x).shape = {approx.shape} "
                f"(x has shape {np.shape(x)}), got {J.shape}"
            )
        errors.append(float(np.max(np.abs(approx - J))))
    return np.array(errors)
