r"""Backpropagation by hand through a one-hidden-layer MLP with a skip connection.

The network has ``N`` inputs, ``K`` sigmoid hidden units and ``N`` outputs:

.. math::

    z = W^{(1)} x + b^{(1)}, \qquad h = \sigma(z), \qquad
    y = x + W^{(2)} h + b^{(2)} \quad (\text{or } y = W^{(2)} h + b^{(2)}
    \text{ without the skip}),

and the loss :math:`\mathcal L = \mathcal S + \mathcal R` with
:math:`\mathcal S = \tfrac12\|y - s\|^2` and :math:`\mathcal R = r^\top h`. Writing
:math:`\bar v = \partial\mathcal L / \partial v`, the backward pass is

.. math::

    \bar y = y - s, \quad \bar h = W^{(2)\top}\bar y + r, \quad
    \bar z = \sigma'(z) \odot \bar h, \quad
    \bar x = \bar y + W^{(1)\top}\bar z \ (\text{skip}) \text{ or }
    W^{(1)\top}\bar z \ (\text{no skip}),

with :math:`\bar W^{(1)} = \bar z x^\top`, :math:`\bar b^{(1)} = \bar z`,
:math:`\bar W^{(2)} = \bar y h^\top`, :math:`\bar b^{(2)} = \bar y`.

The same gradients come three ways, sharing no code: :func:`backward` (the equations
above, in numpy), :func:`autograd_backward` (torch autograd in float64) and
:func:`symbolic_gradients` (sympy differentiation of the loss), beside the hand
equations in sympy, :func:`symbolic_backward`. :func:`computation_graph` is the graph
the chapter draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import sympy
import torch
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from dlhw.validation import as_generator, as_int, as_positive_float, as_real_array

Array = NDArray[np.float64]
Activation = Callable[[sympy.Expr], sympy.Expr]

#: Names of the gradients in backward order (∂L/∂y, ∂L/∂h, ..., ∂L/∂b2).
GRADIENT_NAMES = ("y", "h", "z", "x", "W1", "b1", "W2", "b2")
#: Largest number of parameters of :func:`random_params`.
MAX_PARAMETERS = 10**7
#: Largest ``N`` and ``K`` of the symbolic network (its expressions grow as ``N K``).
MAX_SYMBOLIC_SIZE = 8


def _matrix(value: ArrayLike, name: str, shape: tuple[int, ...] | None, ndim: int) -> Array:
    array = as_real_array(value, name, ndim=ndim)
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    return array


@dataclass(frozen=True)
class MLPParams:
    """The weights of the network.

    ``W1`` is ``(K, N)``, ``b1`` ``(K,)``, ``W2`` ``(N, K)`` and ``b2`` ``(N,)``. The
    constructor validates the shapes and stores float64 copies.

    Examples
    --------
    >>> p = MLPParams(np.ones((3, 2)), np.zeros(3), np.ones((2, 3)), np.zeros(2))
    >>> p.N, p.K
    (2, 3)
    >>> MLPParams(np.ones((3, 2)), np.zeros(3), np.ones((3, 2)), np.zeros(2))
    Traceback (most recent call last):
    ...
    ValueError: W2 must have shape (2, 3), got (3, 2)
    """

    W1: Array
    b1: Array
    W2: Array
    b2: Array

    def __post_init__(self) -> None:
        W1 = _matrix(self.W1, "W1", None, 2)
        K, N = W1.shape
        object.__setattr__(self, "W1", W1)
        object.__setattr__(self, "b1", _matrix(self.b1, "b1", (K,), 1))
        object.__setattr__(self, "W2", _matrix(self.W2, "W2", (N, K), 2))
        object.__setattr__(self, "b2", _matrix(self.b2, "b2", (N,), 1))

    @property
    def N(self) -> int:
        """Number of inputs (and outputs)."""
        return int(self.W1.shape[1])

    @property
    def K(self) -> int:
        """Number of hidden units."""
        return int(self.W1.shape[0])


@dataclass(frozen=True)
class Forward:
    """Every intermediate of the forward pass.

    ``z``, ``h`` have a last axis of length ``K``; ``y`` of length ``N``; ``S``, ``R``
    and ``L = S + R`` are one number per input (shape ``()`` or ``(B,)``).
    """

    z: Array
    h: Array
    y: Array
    S: Array
    R: Array
    L: Array


@dataclass(frozen=True)
class Gradients:
    """Gradients of the loss; each field is ``∂L/∂<field>``.

    ``y``, ``h``, ``z``, ``x`` have the shape of that variable (one row per input of a
    batch, each row the gradient of that input's own loss). The parameter gradients
    are of the total loss ``Σ_b L_b`` of a batch.
    """

    y: Array
    h: Array
    z: Array
    x: Array
    W1: Array
    b1: Array
    W2: Array
    b2: Array

    def as_dict(self) -> dict[str, Array]:
        """Return the gradients keyed by :data:`GRADIENT_NAMES`.

        Examples
        --------
        >>> p = random_params(2, 3, seed=0)
        >>> sorted(backward(p, [1.0, 2.0], [0.0, 0.0], [1.0, 0.0, 0.0]).as_dict())
        ['W1', 'W2', 'b1', 'b2', 'h', 'x', 'y', 'z']
        """
        return {name: getattr(self, name) for name in GRADIENT_NAMES}


def random_params(N: int, K: int, *, scale: float = 1.0, seed: object = None) -> MLPParams:
    """Draw weights and biases with independent ``Normal(0, scale²)`` entries.

    Parameters
    ----------
    N, K
        Input and hidden sizes, ``>= 1``, with at most :data:`MAX_PARAMETERS` parameters.
    scale
        Standard deviation of every entry (``>= 0``).
    seed
        ``None``, an integer or a ``numpy.random.Generator``.

    Returns
    -------
    MLPParams

    Raises
    ------
    ValueError
        For sizes below 1 or too many parameters.

    Examples
    --------
    >>> random_params(4, 3, seed=1).W1.shape
    (3, 4)
    """
    n = as_int(N, "N", minimum=1)
    k = as_int(K, "K", minimum=1)
    count = 2 * n * k + n + k
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"N={n}, K={k} give {count} parameters, more than MAX_PARAMETERS={MAX_PARAMETERS}; "
            "build MLPParams from your own arrays to go beyond"
        )
    sd = as_positive_float(scale, "scale", allow_zero=True)
    rng = as_generator(seed)
    return MLPParams(
        sd * rng.standard_normal((k, n)),
        sd * rng.standard_normal(k),
        sd * rng.standard_normal((n, k)),
        sd * rng.standard_normal(n),
    )


def _check_params(params: object) -> None:
    if not isinstance(params, MLPParams):
        raise TypeError(f"params must be an MLPParams, got {type(params).__name__}")


def _inputs(
    params: MLPParams, x: ArrayLike, s: ArrayLike, r: ArrayLike
) -> tuple[Array, Array, Array]:
    _check_params(params)
    xa = as_real_array(x, "x")
    if xa.ndim not in (1, 2) or xa.shape[-1] != params.N:
        raise ValueError(
            f"x must have shape ({params.N},) or (B, {params.N}) to match W1, got {xa.shape}"
        )
    sa = as_real_array(s, "s")
    if sa.shape not in ((params.N,), xa.shape):
        raise ValueError(f"s must have shape ({params.N},) or {xa.shape} like x, got {sa.shape}")
    ra = _matrix(r, "r", (params.K,), 1)
    return xa, np.broadcast_to(sa, xa.shape), ra


def _refuse_overflow(params: MLPParams, x: Array, s: Array, r: Array) -> None:
    """Raise a ValueError naming the largest argument when the loss overflows float64."""
    sizes = {
        "x": float(np.max(np.abs(x))),
        "s": float(np.max(np.abs(s))),
        "r": float(np.max(np.abs(r))),
        "params": max(
            float(np.max(np.abs(w))) for w in (params.W1, params.b1, params.W2, params.b2)
        ),
    }
    name = max(sizes, key=lambda k: sizes[k])
    raise ValueError(
        f"{name} is too large: with entries up to {sizes[name]:.3g} the output or the loss "
        "overflows float64 (the loss is quadratic in y - s); rescale the problem"
    )


def _check_skip(skip: object) -> bool:
    if not isinstance(skip, bool):
        raise TypeError(f"skip must be a bool, got {type(skip).__name__}")
    return skip


def forward(
    params: MLPParams, x: ArrayLike, s: ArrayLike, r: ArrayLike, *, skip: bool = True
) -> Forward:
    """Run the network and the loss on one input ``(N,)`` or a batch ``(B, N)``.

    Parameters
    ----------
    params
        The weights.
    x
        Input(s), shape ``(N,)`` or ``(B, N)``.
    s
        Target(s) of ``y``, shape ``(N,)`` (shared) or the shape of ``x``.
    r
        Weights of the hidden-unit penalty ``R = rᵀh``, shape ``(K,)``.
    skip
        With the skip connection ``y = x + W2 h + b2`` (default), or ``y = W2 h + b2``.

    Returns
    -------
    Forward
        ``z``, ``h``, ``y`` and the losses ``S``, ``R``, ``L`` per input.

    Raises
    ------
    TypeError, ValueError
        For arrays of the wrong type, shape or with NaN/inf; ``ValueError`` naming the
        largest argument when ``y`` or the loss would overflow float64 (inputs of order
        ``1e154`` and beyond).

    Examples
    --------
    >>> p = MLPParams(np.zeros((1, 1)), np.zeros(1), np.ones((1, 1)), np.zeros(1))
    >>> out = forward(p, [2.0], [0.0], [1.0])
    >>> out.h, out.y, float(out.L)
    (array([0.5]), array([2.5]), 3.625)
    """
    xa, sa, ra = _inputs(params, x, s, r)
    with_skip = _check_skip(skip)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
        z = xa @ params.W1.T + params.b1
        h = expit(z)
        y = h @ params.W2.T + params.b2 + (xa if with_skip else 0.0)
        S = 0.5 * np.sum((y - sa) ** 2, axis=-1)
        R = h @ ra
        L = S + R
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(L))):
        _refuse_overflow(params, xa, sa, ra)
    return Forward(z, h, y, S, R, L)


def backward(
    params: MLPParams, x: ArrayLike, s: ArrayLike, r: ArrayLike, *, skip: bool = True
) -> Gradients:
    """Apply the hand-derived backward equations (see the module docstring).

    Parameters
    ----------
    params, x, s, r, skip
        As in :func:`forward`.

    Returns
    -------
    Gradients
        ``ȳ, h̄, z̄, x̄`` per input and the parameter gradients of the summed loss.

    Raises
    ------
    TypeError, ValueError
        For bad arrays, as in :func:`forward`.

    Examples
    --------
    >>> p = MLPParams(np.zeros((1, 1)), np.zeros(1), np.ones((1, 1)), np.zeros(1))
    >>> g = backward(p, [2.0], [0.0], [1.0])
    >>> g.y, g.h, g.z, g.x          # x̄ = ȳ + W1ᵀ z̄ with W1 = 0
    (array([2.5]), array([3.5]), array([0.875]), array([2.5]))
    >>> backward(p, [2.0], [0.0], [1.0], skip=False).x
    array([0.])
    """
    xa, sa, ra = _inputs(params, x, s, r)
    out = forward(params, xa, sa, ra, skip=skip)
    y_bar = out.y - sa
    h_bar = y_bar @ params.W2 + ra
    z_bar = out.h * (1.0 - out.h) * h_bar  # σ'(z) = σ(z)(1 - σ(z))
    x_bar = z_bar @ params.W1 + (y_bar if skip else 0.0)
    Z, Y = np.atleast_2d(z_bar), np.atleast_2d(y_bar)  # one row per input
    return Gradients(
        y=y_bar,
        h=h_bar,
        z=z_bar,
        x=x_bar,
        W1=Z.T @ np.atleast_2d(xa),
        b1=Z.sum(axis=0),
        W2=Y.T @ np.atleast_2d(out.h),
        b2=Y.sum(axis=0),
    )


def autograd_backward(
    params: MLPParams, x: ArrayLike, s: ArrayLike, r: ArrayLike, *, skip: bool = True
) -> Gradients:
    """Compute the same gradients by torch autograd in float64: an independent witness.

    Parameters
    ----------
    params, x, s, r, skip
        As in :func:`forward`.

    Returns
    -------
    Gradients
        As :func:`backward`, computed by ``loss.backward()`` on the summed loss.

    Raises
    ------
    TypeError, ValueError
        For bad arrays, as in :func:`forward`.

    Examples
    --------
    >>> p = random_params(3, 2, seed=0)
    >>> a = autograd_backward(p, [1.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, -1.0])
    >>> b = backward(p, [1.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, -1.0])
    >>> bool(np.allclose(a.x, b.x, rtol=1e-12, atol=1e-14))
    True
    """
    xa, sa, ra = _inputs(params, x, s, r)
    with_skip = _check_skip(skip)
    forward(params, xa, sa, ra, skip=with_skip)  # refuses, like backward, a loss that overflows
    t = {
        name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
        for name, value in (
            ("x", xa),
            ("W1", params.W1),
            ("b1", params.b1),
            ("W2", params.W2),
            ("b2", params.b2),
        )
    }
    z = t["x"] @ t["W1"].T + t["b1"]
    h = torch.sigmoid(z)
    y = h @ t["W2"].T + t["b2"] + (t["x"] if with_skip else 0.0)
    for node in (z, h, y):
        node.retain_grad()
    target, penalty = torch.from_numpy(np.array(sa)), torch.from_numpy(ra)
    loss = 0.5 * ((y - target) ** 2).sum() + (h @ penalty).sum()
    loss.backward()  # type: ignore[no-untyped-call]

    def grad(node: torch.Tensor) -> Array:
        assert node.grad is not None  # every node is on a path to the loss
        return node.grad.numpy().copy()

    return Gradients(
        y=grad(y),
        h=grad(h),
        z=grad(z),
        x=grad(t["x"]),
        W1=grad(t["W1"]),
        b1=grad(t["b1"]),
        W2=grad(t["W2"]),
        b2=grad(t["b2"]),
    )


def input_jacobian(params: MLPParams, x: ArrayLike, *, skip: bool = True) -> Array:
    """Return the Jacobian ``∂y/∂x = I + W2 diag(σ'(z)) W1`` (no ``I`` if ``skip=False``).

    The skip connection adds the identity: gradients pass from ``y`` to ``x`` unchanged
    by the ``ȳ`` term of ``x̄``, however small the weights.

    Parameters
    ----------
    params
        The weights.
    x
        Input(s), shape ``(N,)`` or ``(B, N)``.
    skip
        With or without the skip connection.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, N)``, or ``(B, N, N)`` for a batch.

    Raises
    ------
    TypeError, ValueError
        For bad arrays.

    Examples
    --------
    >>> p = MLPParams(np.zeros((1, 2)), np.zeros(1), np.zeros((2, 1)), np.zeros(2))
    >>> input_jacobian(p, [1.0, 2.0])
    array([[1., 0.],
           [0., 1.]])
    """
    _check_params(params)
    xa, _, _ = _inputs(params, x, np.zeros(params.N), np.zeros(params.K))
    h = expit(xa @ params.W1.T + params.b1)
    slope = h * (1.0 - h)
    J: Array = np.einsum("nk,...k,km->...nm", params.W2, slope, params.W1)
    return J + np.eye(params.N) if _check_skip(skip) else J


def computation_graph(*, skip: bool = True, parameters: bool = False) -> nx.DiGraph:
    """Build the computation graph of the network and its loss, for the chapter's figure.

    Nodes ``x, z, h, y, R, S, L`` (and with ``parameters=True`` the leaves
    ``W1, b1, W2, b2, s, r``). Node attributes: ``kind`` (``"input"``, ``"hidden"``,
    ``"output"``, ``"loss"``, ``"parameter"``), ``layer`` (a column for
    ``networkx.multipartite_layout``) and ``label`` (LaTeX). Edge attributes:
    ``local``, the LaTeX of the local derivative the backward pass multiplies by, and
    ``skip``, true only for the skip edge ``x → y``.

    Parameters
    ----------
    skip
        Include the skip edge ``x → y``.
    parameters
        Include the parameter and target leaves.

    Returns
    -------
    networkx.DiGraph

    Raises
    ------
    TypeError
        If ``skip`` or ``parameters`` is not a bool.

    Examples
    --------
    >>> G = computation_graph()
    >>> sorted(G.predecessors("y")), sorted(G.successors("h"))
    (['h', 'x'], ['R', 'y'])
    >>> list(nx.topological_sort(G))[0], G.edges["x", "y"]["skip"]
    ('x', True)
    """
    with_skip = _check_skip(skip)
    if not isinstance(parameters, bool):
        raise TypeError(f"parameters must be a bool, got {type(parameters).__name__}")
    G = nx.DiGraph()
    nodes = {
        "x": ("input", 0, "x"),
        "z": ("hidden", 1, "z"),
        "h": ("hidden", 2, "h"),
        "y": ("output", 3, "y"),
        "R": ("loss", 4, r"\mathcal{R}"),
        "S": ("loss", 4, r"\mathcal{S}"),
        "L": ("loss", 5, r"\mathcal{L}"),
    }
    for name, (kind, layer, label) in nodes.items():
        G.add_node(name, kind=kind, layer=layer, label=label)
    edges = [
        ("x", "z", "W_1"),
        ("z", "h", r"\sigma'(z)"),
        ("h", "y", "W_2"),
        ("h", "R", r"r^\top"),
        ("y", "S", r"(y - s)^\top"),
        ("R", "L", "1"),
        ("S", "L", "1"),
    ]
    if with_skip:
        edges.append(("x", "y", "I"))
    for u, v, local in edges:
        G.add_edge(u, v, local=local, skip=(u, v) == ("x", "y"))
    if parameters:
        leaves = {
            "W1": ("z", "W_1"),
            "b1": ("z", "b_1"),
            "W2": ("y", "W_2"),
            "b2": ("y", "b_2"),
            "s": ("S", "s"),
            "r": ("R", "r"),
        }
        for name, (child, label) in leaves.items():
            G.add_node(name, kind="parameter", layer=G.nodes[child]["layer"] - 1, label=label)
            G.add_edge(name, child, local="", skip=False)
    return G


# ------------------------------------------------------------------ symbolic versions


@dataclass(frozen=True)
class SymbolicMLP:
    """The network with symbolic entries: explicit sympy matrices of matrix-symbol entries.

    ``x`` and ``s`` are ``N × 1``, ``r`` is ``K × 1``; ``activation`` maps a sympy
    expression to ``σ`` of it. Build it with :func:`symbolic_mlp`.
    """

    x: sympy.Matrix
    s: sympy.Matrix
    r: sympy.Matrix
    W1: sympy.Matrix
    b1: sympy.Matrix
    W2: sympy.Matrix
    b2: sympy.Matrix
    activation: Activation
    skip: bool


def symbolic_mlp(
    N: int, K: int, *, skip: bool = True, activation: Activation | None = None
) -> SymbolicMLP:
    """Symbolic network with ``N`` inputs and ``K`` hidden units.

    Every entry is an element of a ``sympy.MatrixSymbol`` (``x``, ``s``, ``r``,
    ``W^{(1)}``, ...), so the kernel's randomized identity test can substitute integer
    matrices for them.

    Parameters
    ----------
    N, K
        Sizes, ``1 <= N, K <= MAX_SYMBOLIC_SIZE``.
    skip
        With or without the skip connection.
    activation
        A callable from a sympy expression to a sympy expression. The default is an
        undefined function ``σ`` (so ``σ'`` stays unexpanded, as the problem allows).
        The backward equations hold for any differentiable ``σ``; a polynomial such as
        ``lambda t: t**3 + t`` makes every expression rational, which the randomized
        identity test can decide.

    Returns
    -------
    SymbolicMLP

    Raises
    ------
    TypeError, ValueError
        For sizes that are not integers in range or an activation that is not callable.

    Examples
    --------
    >>> net = symbolic_mlp(2, 1)
    >>> net.W1.shape, net.x.shape
    ((1, 2), (2, 1))
    """
    n = as_int(N, "N", minimum=1)
    k = as_int(K, "K", minimum=1)
    if max(n, k) > MAX_SYMBOLIC_SIZE:
        raise ValueError(
            f"N and K must be <= MAX_SYMBOLIC_SIZE={MAX_SYMBOLIC_SIZE} (got N={n}, K={k}): "
            "the symbolic expressions grow as N*K; check larger shapes numerically with "
            "backward() and autograd_backward()"
        )
    if activation is None:
        activation = sympy.Function("sigma")
    if not callable(activation):
        raise TypeError(f"activation must be callable, got {type(activation).__name__}")

    def matrix(name: str, rows: int, cols: int) -> sympy.Matrix:
        return sympy.Matrix(sympy.MatrixSymbol(name, rows, cols))

    return SymbolicMLP(
        x=matrix("x", n, 1),
        s=matrix("s", n, 1),
        r=matrix("r", k, 1),
        W1=matrix("W^{(1)}", k, n),
        b1=matrix("b^{(1)}", k, 1),
        W2=matrix("W^{(2)}", n, k),
        b2=matrix("b^{(2)}", n, 1),
        activation=activation,
        skip=_check_skip(skip),
    )


def _check_net(net: object) -> SymbolicMLP:
    if not isinstance(net, SymbolicMLP):
        raise TypeError(f"net must be a SymbolicMLP (see symbolic_mlp), got {type(net).__name__}")
    return net


def _loss_downstream(
    net: SymbolicMLP,
    z: sympy.Matrix | None = None,
    h: sympy.Matrix | None = None,
    y: sympy.Matrix | None = None,
) -> sympy.Expr:
    """Compute the loss from ``x``, or from a given ``z``, ``h`` or ``y`` onwards."""
    if z is None:
        z = net.W1 * net.x + net.b1
    if h is None:
        h = z.applyfunc(net.activation)
    if y is None:
        y = net.W2 * h + net.b2 + (net.x if net.skip else sympy.zeros(*net.x.shape))
    residual = y - net.s
    return (residual.T * residual)[0, 0] / 2 + (net.r.T * h)[0, 0]


def symbolic_forward(net: SymbolicMLP) -> dict[str, sympy.Basic]:
    """Run the forward pass in sympy: ``z, h, y`` (column matrices) and ``S, R, L``.

    Parameters
    ----------
    net
        From :func:`symbolic_mlp`.

    Returns
    -------
    dict
        Keys ``"z", "h", "y", "S", "R", "L"``.

    Raises
    ------
    TypeError
        If ``net`` is not a :class:`SymbolicMLP`.

    Examples
    --------
    >>> symbolic_forward(symbolic_mlp(1, 1))["h"]
    Matrix([[sigma(W^{(1)}[0, 0]*x[0, 0] + b^{(1)}[0, 0])]])
    """
    net = _check_net(net)
    z = net.W1 * net.x + net.b1
    h = z.applyfunc(net.activation)
    y = net.W2 * h + net.b2 + (net.x if net.skip else sympy.zeros(*net.x.shape))
    S = ((y - net.s).T * (y - net.s))[0, 0] / 2
    R = (net.r.T * h)[0, 0]
    return {"z": z, "h": h, "y": y, "S": S, "R": R, "L": S + R}


def symbolic_backward(net: SymbolicMLP) -> dict[str, sympy.Matrix]:
    """Apply the hand-derived backward equations in sympy (keys :data:`GRADIENT_NAMES`).

    ``σ'(z)`` is the derivative of ``net.activation`` evaluated at ``z`` (for the default
    undefined ``σ``, a ``sympy.Subs`` of ``Derivative(σ(t), t)``).

    Parameters
    ----------
    net
        From :func:`symbolic_mlp`.

    Returns
    -------
    dict
        ``ȳ = y − s``, ``h̄ = W2ᵀȳ + r``, ``z̄ = σ'(z) ⊙ h̄``, ``x̄ = ȳ + W1ᵀz̄`` (or
        ``W1ᵀz̄``), ``W̄1 = z̄xᵀ``, ``b̄1 = z̄``, ``W̄2 = ȳhᵀ``, ``b̄2 = ȳ``.

    Raises
    ------
    TypeError
        If ``net`` is not a :class:`SymbolicMLP`.

    Examples
    --------
    >>> net = symbolic_mlp(2, 3)
    >>> grads = symbolic_backward(net)
    >>> grads["y"] == symbolic_forward(net)["y"] - net.s, grads["W1"].shape
    (True, (3, 2))
    """
    f = symbolic_forward(_check_net(net))
    t = sympy.Dummy("t")
    slope = sympy.diff(net.activation(t), t)
    y_bar = f["y"] - net.s
    h_bar = net.W2.T * y_bar + net.r
    z_bar = f["z"].applyfunc(lambda zk: slope.subs(t, zk)).multiply_elementwise(h_bar)
    x_bar = net.W1.T * z_bar + (y_bar if net.skip else sympy.zeros(*y_bar.shape))
    return {
        "y": y_bar,
        "h": h_bar,
        "z": z_bar,
        "x": x_bar,
        "W1": z_bar * net.x.T,
        "b1": z_bar,
        "W2": y_bar * f["h"].T,
        "b2": y_bar,
    }


def symbolic_gradients(net: SymbolicMLP) -> dict[str, sympy.Matrix]:
    """Differentiate the loss in sympy: the witness for :func:`symbolic_backward`.

    For an intermediate ``v`` (``y``, ``h`` or ``z``) the loss is rebuilt from fresh
    symbols standing for ``v`` (everything downstream of ``v``, with ``x`` kept where the
    skip edge reads it), differentiated, and evaluated at the forward value of ``v``.
    For ``x`` and the parameters the whole loss is differentiated entry by entry.

    Parameters
    ----------
    net
        From :func:`symbolic_mlp`.

    Returns
    -------
    dict
        Keyed by :data:`GRADIENT_NAMES`, each a matrix of the shape of its variable.

    Raises
    ------
    TypeError
        If ``net`` is not a :class:`SymbolicMLP`.

    Examples
    --------
    >>> net = symbolic_mlp(2, 2, activation=lambda t: t**3 + t)
    >>> hand, auto = symbolic_backward(net), symbolic_gradients(net)
    >>> all((hand[k] - auto[k]).expand().is_zero_matrix for k in GRADIENT_NAMES)
    True
    """
    f = symbolic_forward(_check_net(net))
    grads: dict[str, sympy.Matrix] = {}
    for name in ("y", "h", "z"):
        rows = f[name].shape[0]
        free = sympy.Matrix(sympy.symbols(f"v_{name}:{rows}"))
        loss = _loss_downstream(net, **{name: free})
        at_forward = dict(zip(free, f[name], strict=True))
        grads[name] = free.applyfunc(lambda v, loss=loss, at=at_forward: loss.diff(v).subs(at))
    L = f["L"]
    for name in ("x", "W1", "b1", "W2", "b2"):
        grads[name] = getattr(net, name).applyfunc(L.diff)
    return {name: grads[name] for name in GRADIENT_NAMES}
