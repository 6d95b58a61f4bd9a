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
from dlhw.validation import as_int, as_positive_float

#: Largest input dimension the trainer accepts (labels need ``v·x`` in float32 exactly).
MAX_TRAIN_D = 64


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
        Optimiser steps; a multiple of ``log_every``.
    batch_size
        Fresh samples per step and task.
    lr
        Step size.
    units_per_dim
        ``k / d``.
    optimizer
        ``"adam"`` (default betas) or ``"sgd"`` (plain, no momentum).
    log_every
        Steps per logging window.
    seed
        Seeds the masks, the initialisations and the samples.

    Returns
    -------
    TrainingRun

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
    n_steps = as_int(steps, "steps", minimum=1)
    window = as_int(log_every, "log_every", minimum=1)
    if n_steps % window:
        raise ValueError(f"steps={n_steps} must be a multiple of log_every={window}")
    batch = as_int(batch_size, "batch_size", minimum=1)
    rate = as_positive_float(lr, "lr")
    ratio = as_int(units_per_dim, "units_per_dim", minimum=1)
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    seed_value = as_int(seed, "seed", minimum=0)

    if len(set(ds)) != len(ds):
        raise ValueError(f"dims must be distinct, got {ds}")
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
    (seeds ``0, ..., seeds - 1``).

    Returns
    -------
    numpy.ndarray
        Shape ``(depth + 1,)``: entry ``l`` for the weights into hidden layer ``l + 1``,
        the last entry for the output weights.

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
    act: torch.nn.Module
    if activation == "sigmoid":
        act = torch.nn.Sigmoid()
    elif activation == "relu":
        act = torch.nn.ReLU()
    else:
        raise ValueError(f"activation must be 'sigmoid' or 'relu', got {activation!r}")
    total = np.zeros(layers + 1)
    for s in range(repeats):
        torch.manual_seed(s)
        gen = torch.Generator().manual_seed(10_000 + s)
        modules: list[torch.nn.Module] = []
        fan_in = dim
        for _ in range(layers):
            modules += [torch.nn.Linear(fan_in, size), act]
            fan_in = size
        modules.append(torch.nn.Linear(fan_in, 1))
        net = torch.nn.Sequential(*modules)
        mask = torch.randint(0, 2, (dim,), generator=gen).float()
        X = torch.randint(0, 2, (n, dim), generator=gen).float()
        y = 1 - 2 * torch.remainder(X @ mask, 2)
        loss = torch.relu(1 - y * net(X).squeeze(-1)).mean()
        linears = [m for m in net if isinstance(m, torch.nn.Linear)]
        grads = torch.autograd.grad(loss, [m.weight for m in linears])
        total += np.array([float(g.norm()) for g in grads])
    return total / repeats
