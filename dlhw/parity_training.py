"""Training on parity with torch: batched two-layer ReLU networks, deep sigmoid gradients.

:func:`train_parity_networks` trains one two-layer ReLU network per input dimension, all
at once: the networks are padded to a common size and stacked into one batch of
tensors. Padding is exact, not an approximation: padded inputs are always 0 and padded
units start at 0, so their gradients are 0 and they stay 0 under SGD and Adam, and each
network follows exactly the trajectory it would follow alone.

:func:`layer_gradient_norms` measures, layer by layer, how large the gradient of the
hinge loss is in a deep fully connected network on the same task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from numpy.typing import NDArray

from dlhw.parity import Params
from dlhw.validation import MAX_TORCH_SEED, as_choice, as_int, as_positive_float, check_size

#: Largest input dimension the trainer accepts (labels need ``v·x`` in float32 exactly).
MAX_TRAIN_D = 64
#: Largest seed of :func:`train_parity_networks` (task ``d`` is seeded ``seed · 1000003 + d``,
#: which must fit a 64-bit torch seed).
MAX_TRAIN_SEED = (MAX_TORCH_SEED - MAX_TRAIN_D) // 1_000_003
#: Most optimiser steps of :func:`train_parity_networks` (raise it to train longer).
MAX_STEPS = 10**5
#: Largest batch of fresh samples per step and task.
MAX_BATCH_SIZE = 2**16
#: Largest number of tensor entries (parameters, optimiser state, activations, records).
MAX_ENTRIES = 2**25
#: The most work a call may do, in forward-pass multiply-adds plus ``10**6`` per optimiser
#: step or built layer for the fixed costs (about ``2.5e9`` per second on one core: some 7 minutes).
MAX_WORK = 10**12
#: Fixed cost of one optimiser step or one built layer, in the units of :data:`MAX_WORK`.
_OVERHEAD = 10**6


@dataclass(frozen=True)
class TrainingRun:
    """The record of :func:`train_parity_networks`.

    Attributes
    ----------
    dims
        The input dimensions, one network each.
    masks
        The hidden mask ``v*`` of each task, shape ``(len(dims), max(dims))``, padded with 0.
    step
        The last iteration of each logging window, shape ``(windows,)``.
    loss, accuracy
        Mean hinge loss and mean sign accuracy of the training batches in each window,
        shape ``(len(dims), windows)``; every batch is fresh, so these estimate the
        population risk and accuracy at that time.
    params
        The final parameters of each network (float64 numpy arrays).

    Examples
    --------
    >>> run = train_parity_networks((2,), steps=20, log_every=10)
    >>> run.dims, run.step.tolist(), run.params[0].W.shape
    ((2,), [10, 20], (20, 2))
    """

    dims: tuple[int, ...]
    masks: NDArray[np.int64]
    step: NDArray[np.int64]
    loss: NDArray[np.float64]
    accuracy: NDArray[np.float64]
    params: tuple[Params, ...]


def _uniform(shape: tuple[int, ...], scale: float, gen: torch.Generator) -> torch.Tensor:
    return (2 * torch.rand(shape, generator=gen, dtype=torch.float64) - 1) * scale


def _initialise(
    ds: tuple[int, ...], ks: list[int], gens: list[torch.Generator]
) -> tuple[torch.Tensor, ...]:
    """Masks and nn.Linear-style initial parameters of each task, zero-padded and stacked."""
    n, dmax, kmax = len(ds), max(ds), max(ks)
    masks = torch.zeros(n, dmax, dtype=torch.float64)
    W = torch.zeros(n, kmax, dmax, dtype=torch.float64)
    b, alpha = torch.zeros(n, kmax, dtype=torch.float64), torch.zeros(n, kmax, dtype=torch.float64)
    beta = torch.zeros(n, dtype=torch.float64)
    for j, (d, k, gen) in enumerate(zip(ds, ks, gens, strict=True)):
        masks[j, :d] = torch.randint(0, 2, (d,), generator=gen, dtype=torch.float64)
        W[j, :k, :d] = _uniform((k, d), d**-0.5, gen)
        b[j, :k] = _uniform((k,), d**-0.5, gen)
        alpha[j, :k] = _uniform((k,), k**-0.5, gen)
        beta[j] = _uniform((), k**-0.5, gen)
    return masks, W, b, alpha, beta


def _check_training_size(ds: tuple[int, ...], batch: int, ratio: int, n_steps: int) -> None:
    """Refuse a training run beyond :data:`MAX_ENTRIES` or :data:`MAX_WORK`."""
    tasks, dmax, kmax = len(ds), max(ds), ratio * max(ds)
    entries = tasks * (4 * kmax * (dmax + 2) + batch * (2 * dmax + 2 * kmax) + 2 * n_steps)
    check_size(
        entries,
        MAX_ENTRIES,
        f"dims={ds} with batch_size={batch}, units_per_dim={ratio} and steps={n_steps} "
        f"need about {entries} tensor entries",
        limit_name="dlhw.parity_training.MAX_ENTRIES",
    )
    work = n_steps * (_OVERHEAD + tasks * batch * kmax * (dmax + 2))
    check_size(
        work,
        MAX_WORK,
        f"steps={n_steps} with dims={ds}, batch_size={batch} and units_per_dim={ratio} "
        f"need about {work} operations (multiply-adds and fixed costs)",
        limit_name="dlhw.parity_training.MAX_WORK",
    )


def train_parity_networks(
    dims: Sequence[int] = (5, 10, 30),
    *,
    steps: int = 50_000,
    batch_size: int = 128,
    lr: float = 1e-3,
    units_per_dim: int = 10,
    optimizer: Literal["adam", "sgd"] = "adam",
    log_every: int = 500,
    seed: int = 0,
) -> TrainingRun:
    """Train a ``k = units_per_dim * d`` unit ReLU network on parity for each ``d`` in ``dims``.

    Each task draws its mask ``v*`` uniformly from ``{0,1}^d``. Every step draws a fresh
    batch ``x ~ Unif{0,1}^d`` per task and takes one optimiser step on the mean hinge
    loss ``relu(1 - y f(x))``. Initialisation is torch's default for ``nn.Linear``:
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for weights and biases.

    Parameters
    ----------
    dims
        Distinct input dimensions, each in ``1..MAX_TRAIN_D``. Each task has its own
        random stream, seeded by ``(seed, d)``, so a network's run is the same whether it
        is trained alone or next to others.
    steps
        Optimiser steps, at most :data:`MAX_STEPS`; a multiple of ``log_every``.
    batch_size
        Fresh samples per step and task, at most :data:`MAX_BATCH_SIZE`.
    lr
        Step size.
    units_per_dim
        ``k / d``.
    optimizer
        ``"adam"`` (default betas) or ``"sgd"`` (plain, no momentum).
    log_every
        Steps per logging window.
    seed
        Seeds the masks, the initialisations and the samples; ``0 <= seed <=``
        :data:`MAX_TRAIN_SEED`.

    Returns
    -------
    TrainingRun

    Raises
    ------
    TypeError, ValueError
        For bad arguments; for sizes beyond :data:`MAX_STEPS`, :data:`MAX_ENTRIES` or
        :data:`MAX_WORK`; or if the loss becomes NaN or infinite (``lr`` too large).

    Examples
    --------
    >>> run = train_parity_networks((2, 3), steps=400, lr=0.01, log_every=100)
    >>> run.loss.shape, run.params[1].W.shape
    ((2, 4), (30, 3))
    >>> bool(run.loss[0, -1] < run.loss[0, 0])
    True
    """
    if isinstance(dims, str | bytes) or not isinstance(dims, Sequence) or not dims:
        raise TypeError("dims must be a non-empty sequence of integers")
    ds = tuple(as_int(d, "dims", minimum=1) for d in dims)
    if max(ds) > MAX_TRAIN_D:
        raise ValueError(f"dims must be <= {MAX_TRAIN_D}, got {max(ds)}")
    n_steps = as_int(
        steps, "steps", minimum=1, maximum=MAX_STEPS, limit_name="dlhw.parity_training.MAX_STEPS"
    )
    window = as_int(log_every, "log_every", minimum=1)
    if n_steps % window:
        raise ValueError(f"steps={n_steps} must be a multiple of log_every={window}")
    batch = as_int(
        batch_size,
        "batch_size",
        minimum=1,
        maximum=MAX_BATCH_SIZE,
        limit_name="dlhw.parity_training.MAX_BATCH_SIZE",
    )
    rate = as_positive_float(lr, "lr")
    if rate > float(torch.finfo(torch.float32).max):
        raise ValueError(f"lr must be at most 3.4e38 (the networks are float32), got {lr!r}")
    ratio = as_int(units_per_dim, "units_per_dim", minimum=1)
    as_choice(optimizer, "optimizer", ("adam", "sgd"))
    seed_value = as_int(
        seed,
        "seed",
        minimum=0,
        maximum=MAX_TRAIN_SEED,
        limit_name="dlhw.parity_training.MAX_TRAIN_SEED",
    )

    if len(set(ds)) != len(ds):
        raise ValueError(f"dims must be distinct, got {ds}")
    _check_training_size(ds, batch, ratio, n_steps)
    # one random stream per task, seeded by (seed, d): a network's run does not depend
    # on which other networks are trained next to it
    gens = [torch.Generator().manual_seed(seed_value * 1_000_003 + d) for d in ds]
    n, dmax = len(ds), max(ds)
    ks = [ratio * d for d in ds]
    masks, W, b, alpha, beta = _initialise(ds, ks, gens)
    tensors = [t.float().requires_grad_() for t in (W, b, alpha, beta)]
    W_t, b_t, alpha_t, beta_t = tensors
    opt: torch.optim.Optimizer = (
        torch.optim.Adam(tensors, lr=rate)
        if optimizer == "adam"
        else torch.optim.SGD(tensors, lr=rate)
    )
    masks32 = masks.float()
    X = torch.zeros(n, batch, dmax)
    losses = torch.empty(n_steps, n)
    correct = torch.empty(n_steps, n)
    for t in range(n_steps):
        for j, (d, gen) in enumerate(zip(ds, gens, strict=True)):
            X[j, :, :d] = torch.randint(0, 2, (batch, d), generator=gen)
        y = 1 - 2 * torch.remainder(X @ masks32[:, :, None], 2).squeeze(-1)
        f = torch.relu(X @ W_t.transpose(1, 2) + b_t[:, None]) @ alpha_t[:, :, None]
        f = f.squeeze(-1) + beta_t[:, None]
        hinge = torch.relu(1 - y * f).mean(dim=1)  # one loss per task
        opt.zero_grad(set_to_none=False)
        hinge.sum().backward()  # type: ignore[no-untyped-call]  # tasks share no parameters: each gets its own gradient
        opt.step()
        with torch.no_grad():
            losses[t] = hinge
            correct[t] = (torch.sign(f) == y).float().mean(dim=1)
    if not bool(torch.isfinite(losses).all()):
        first = int(torch.nonzero(~torch.isfinite(losses))[0, 0]) + 1
        raise ValueError(
            f"lr={rate!r} is too large: training diverged (the loss is not finite from step "
            f"{first} on); use a smaller lr"
        )
    windows = n_steps // window
    params = tuple(
        Params(
            W_t[j, :k, :d].detach().double().numpy().copy(),
            b_t[j, :k].detach().double().numpy().copy(),
            alpha_t[j, :k].detach().double().numpy().copy(),
            float(beta_t[j].item()),
        )
        for j, (d, k) in enumerate(zip(ds, ks, strict=True))
    )
    return TrainingRun(
        dims=ds,
        masks=masks.numpy().astype(np.int64),
        step=np.arange(1, windows + 1, dtype=np.int64) * window,
        loss=losses.reshape(windows, window, n).mean(dim=1).T.double().numpy(),
        accuracy=correct.reshape(windows, window, n).mean(dim=1).T.double().numpy(),
        params=params,
    )


def layer_gradient_norms(
    depth: int,
    *,
    d: int = 10,
    width: int = 64,
    activation: Literal["sigmoid", "relu"] = "sigmoid",
    samples: int = 4096,
    seeds: int = 8,
) -> NDArray[np.float64]:
    """Frobenius norm of the hinge-loss gradient for each weight matrix of a deep network.

    The network is ``depth`` hidden layers of ``width`` units (``nn.Linear`` default
    initialisation, then ``activation``) and a linear output, on parity in ``d``
    dimensions with a random mask; the loss is the mean of ``relu(1 - y f(x))`` over
    ``samples`` random inputs. The norms are averaged over ``seeds`` initialisations
    (seeds ``0, ..., seeds - 1``). torch's global random state is restored afterwards.

    Parameters
    ----------
    depth
        Number of hidden layers, ``>= 1``.
    d
        Input dimension, ``1 <= d <=`` :data:`MAX_TRAIN_D`.
    width
        Units per hidden layer, ``>= 1``.
    activation
        ``"sigmoid"`` or ``"relu"``.
    samples
        Inputs per initialisation, ``>= 1``.
    seeds
        Number of initialisations, ``>= 1``.

    Returns
    -------
    numpy.ndarray
        Shape ``(depth + 1,)``: entry ``l`` for the weights into hidden layer ``l + 1``,
        the last entry for the output weights.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or sizes beyond :data:`MAX_ENTRIES` or :data:`MAX_WORK`.

    Examples
    --------
    >>> norms = layer_gradient_norms(6, d=8, width=16, samples=256, seeds=2)
    >>> norms.shape
    (7,)
    >>> bool(norms[0] < norms[-1])
    True
    """
    layers = as_int(depth, "depth", minimum=1)
    dim = as_int(d, "d", minimum=1)
    if dim > MAX_TRAIN_D:
        raise ValueError(f"d must be <= {MAX_TRAIN_D}, got {dim}")
    size = as_int(width, "width", minimum=1)
    n = as_int(samples, "samples", minimum=1)
    repeats = as_int(seeds, "seeds", minimum=1)
    kind = as_choice(activation, "activation", ("sigmoid", "relu"))
    entries = layers * size * (size + 2 * n) + n * (dim + 2)
    check_size(
        entries,
        MAX_ENTRIES,
        f"depth={layers}, width={size} and samples={n} need about {entries} tensor entries",
        limit_name="dlhw.parity_training.MAX_ENTRIES",
    )
    work = repeats * (_OVERHEAD * (layers + 1) + n * size * (layers * size + dim))
    check_size(
        work,
        MAX_WORK,
        f"seeds={repeats}, samples={n}, depth={layers} and width={size} need about {work} "
        "operations (multiply-adds and fixed costs)",
        limit_name="dlhw.parity_training.MAX_WORK",
    )
    act: torch.nn.Module = torch.nn.Sigmoid() if kind == "sigmoid" else torch.nn.ReLU()
    total = np.zeros(layers + 1)
    for s in range(repeats):
        with torch.random.fork_rng(devices=[]):  # nn.Linear draws from the global stream
            torch.manual_seed(s)
            modules: list[torch.nn.Module] = []
            fan_in = dim
            for _ in range(layers):
                modules += [torch.nn.Linear(fan_in, size), act]
                fan_in = size
            modules.append(torch.nn.Linear(fan_in, 1))
            net = torch.nn.Sequential(*modules)
        gen = torch.Generator().manual_seed(10_000 + s)
        mask = torch.randint(0, 2, (dim,), generator=gen).float()
        X = torch.randint(0, 2, (n, dim), generator=gen).float()
        y = 1 - 2 * torch.remainder(X @ mask, 2)
        loss = torch.relu(1 - y * net(X).squeeze(-1)).mean()
        linears = [m for m in net if isinstance(m, torch.nn.Linear)]
        grads = torch.autograd.grad(loss, [m.weight for m in linears])
        total += np.array([float(g.norm()) for g in grads])
    return total / repeats


# --- exact gradients of a deep sigmoid network on parity ---------------------------------

#: Largest ``d`` for :func:`sigmoid_network_gradients` (it holds ``4^d`` input-mask pairs).
MAX_SIGMOID_D = 10


@dataclass(frozen=True)
class SigmoidGradients:
    """Exact gradients of a deep sigmoid network on ``{0,1}^d``, from torch's autograd.

    Attributes
    ----------
    outputs
        ``f(x)`` at every input, in the order of :func:`dlhw.parity.all_inputs`,
        shape ``(2^d,)``.
    per_input
        ``grad_theta f(x)``, one row per input, shape ``(2^d, P)``.
    per_mask
        The gradient of the population hinge risk ``R_v(theta) = E_x relu(1 - y f(x))``,
        ``y = (-1)^(v·x)``, one row per mask (same order), shape ``(2^d, P)``.
    """

    outputs: NDArray[np.float64]
    per_input: NDArray[np.float64]
    per_mask: NDArray[np.float64]


def sigmoid_network_gradients(
    d: int,
    *,
    depth: int = 4,
    width: int = 16,
    seed: int = 0,
    output_scale: float = 1.0,
) -> SigmoidGradients:
    """Compute exact gradients of a deep sigmoid network on parity, in float64.

    The network has ``depth`` hidden layers of ``width`` sigmoid units and a linear
    output; weights and biases are drawn like ``nn.Linear``'s default,
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, from a generator seeded with ``seed``, and
    the output layer is then multiplied by ``output_scale``. Expectations over ``x`` are
    averages over all ``2^d`` inputs, and the gradient of ``R_v`` is computed for every
    mask ``v``, each by autograd on its own copy of the parameters.

    Parameters
    ----------
    d
        Input dimension, ``1 <= d <=`` :data:`MAX_SIGMOID_D`.
    depth, width
        Hidden layers and units per layer, integers ``>= 1``.
    seed
        Seed of the initialisation, ``0 <= seed < 2**64`` (a torch seed).
    output_scale
        Factor on the output layer's weights and bias, ``> 0``.

    Returns
    -------
    SigmoidGradients

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or sizes beyond :data:`MAX_ENTRIES`.

    Examples
    --------
    >>> g = sigmoid_network_gradients(3, depth=2, width=4)
    >>> g.outputs.shape, g.per_input.shape, g.per_mask.shape
    ((8,), (8, 41), (8, 41))
    """
    from dlhw.parity import all_inputs

    dim = as_int(d, "d", minimum=1, maximum=MAX_SIGMOID_D)
    layers = as_int(depth, "depth", minimum=1)
    size = as_int(width, "width", minimum=1)
    seed_value = as_int(seed, "seed", minimum=0, maximum=MAX_TORCH_SEED, limit_name="torch")
    scale = as_positive_float(output_scale, "output_scale")
    # weights and biases of the layers (size × dim, then depth − 1 of size × size, then 1 × size)
    n_weights = size * (dim + 1) + (layers - 1) * size * (size + 1) + size + 1
    n = 2**dim
    check_size(
        n * (n_weights + n * (dim + layers * size)),
        MAX_ENTRIES,
        f"d={dim}, depth={layers} and width={size} need about "
        f"{n * (n_weights + n * (dim + layers * size))} tensor entries",
        limit_name="dlhw.parity_training.MAX_ENTRIES",
    )
    shapes = [(size, n) for n in [dim] + [size] * (layers - 1)] + [(1, size)]
    gen = torch.Generator().manual_seed(seed_value)
    parts = []
    for rows, cols in shapes:
        parts += [
            (2 * torch.rand(count, generator=gen, dtype=torch.float64) - 1) / cols**0.5
            for count in (rows * cols, rows)
        ]
    parts[-2:] = [part * scale for part in parts[-2:]]
    flat = torch.cat(parts)

    def outputs(copies: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
        """Copy ``c`` of the network (row ``c`` of ``copies``) on the inputs ``X[c]``."""
        h, at = X, 0
        for layer, (rows, cols) in enumerate(shapes):
            W = copies[:, at : at + rows * cols].reshape(-1, rows, cols)
            b = copies[:, at + rows * cols : at + rows * cols + rows]
            at += rows * cols + rows
            h = h @ W.transpose(1, 2) + b[:, None, :]
            if layer < len(shapes) - 1:
                h = torch.sigmoid(h)
        return h.squeeze(-1)

    X = torch.tensor(all_inputs(dim), dtype=torch.float64)
    y = 1 - 2 * torch.remainder(X @ X.T, 2)  # y[v, x] = (-1)^(v·x): masks are inputs too
    one = flat.expand(n, -1).clone().requires_grad_()
    (per_input,) = torch.autograd.grad(outputs(one, X[:, None, :]).sum(), [one])
    many = flat.expand(n, -1).clone().requires_grad_()
    risk = torch.relu(1 - y * outputs(many, X.expand(n, -1, -1))).mean(dim=1)
    (per_mask,) = torch.autograd.grad(risk.sum(), [many])
    with torch.no_grad():
        f = outputs(flat[None], X[None])[0]
    return SigmoidGradients(f.numpy().copy(), per_input.numpy().copy(), per_mask.numpy().copy())
