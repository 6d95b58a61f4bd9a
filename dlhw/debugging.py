"""Debugging deep networks: depth degradation, gradient accumulation, a missing ``zero_grad``.

Three experiments on scikit-learn's digits (8×8 images, ten classes, no download), all in
float64 torch with every random draw from an explicit seed:

* **Degradation** (:func:`degradation_experiment`): a deep plain MLP trains worse than a
  shallow one on both training and test data. Skip connections and BatchNorm
  (architectural) and He initialisation (not architectural) are the remedies compared;
  :func:`layer_gradient_norms` shows where the gradient goes missing.
* **Gradient accumulation** (:func:`accumulation_experiment`): the same small CNN, with
  BatchNorm or with LayerNorm (``GroupNorm(1, C)``), run through every (micro-batch,
  steps) split of one effective batch. LayerNorm normalises each sample alone, so every
  split gives the same logits and accumulated gradient; BatchNorm's statistics depend
  on the micro-batch, so they differ.
* **The missing zero_grad** (:func:`zero_grad_experiment`, :func:`torch_sgd_loop`): zeroing
  the gradient once, before the loop, makes step ``t`` use the sum of all past gradients,
  which is heavy-ball momentum with ``β = 1`` (:func:`heavy_ball`,
  :func:`accumulating_sgd`, exact in rational arithmetic on a linear model).

Each experiment takes a frozen settings dataclass and returns plain numpy arrays in a
dict, so a chapter can state every setting from the object and cache a long run.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, TypeVar

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from dlhw.validation import as_bool, as_int, as_positive_float, as_real_array, finite_result

Norm = Literal["batch", "layer"]
Init = Literal["default", "he"]

#: The (micro-batch size, accumulation steps) splits of the effective batch of 32.
SPLITS = ((1, 32), (2, 16), (4, 8), (8, 4), (16, 2), (32, 1))
#: Number of images in scikit-learn's digits data set.
N_DIGITS = 1797
#: Largest number of optimiser steps a training function accepts.
MAX_STEPS = 200_000
#: Largest number of linear layers of :func:`make_mlp`.
MAX_DEPTH = 200
#: Largest number of steps of the exact (rational) recurrences, whose fractions grow.
MAX_EXACT_STEPS = 60


_S = TypeVar("_S")

#: Largest seed (scikit-learn's random states are 32-bit).
MAX_SEED = 2**32 - 1


def _seed(value: object, name: str = "seed") -> int:
    return as_int(value, name, minimum=0, maximum=MAX_SEED, limit_name="dlhw.debugging.MAX_SEED")


def _settings(settings: object, kind: type[_S]) -> _S:
    """Return ``settings``, or the defaults of ``kind`` for ``None``."""
    if settings is None:
        return kind()
    if not isinstance(settings, kind):
        raise TypeError(
            f"settings must be a dlhw.debugging.{kind.__name__} or None, "
            f"got {type(settings).__name__}"
        )
    return settings


def _finite_path(path: NDArray[Any], lr: float) -> NDArray[Any]:
    """Refuse an overflowed trajectory (``lr``, or the data, too large) instead of returning it."""
    if path.dtype.kind == "f" and not np.all(np.isfinite(path)):
        step = int(np.argmax(~np.all(np.isfinite(path.reshape(len(path), -1)), axis=1)))
        raise ValueError(
            f"lr = {lr!r} is too large for this X and y: the iterates overflowed float64 at "
            f"step {step}; use a smaller lr (or rescale X and y)"
        )
    return path


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch on one thread, then restore the caller's setting.

    These networks are tiny: extra threads only add overhead, and a fixed thread
    count keeps floating-point reductions, hence results, the same on every machine.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Digits:
    """A train/test split of the digits, standardised with the training statistics.

    Attributes
    ----------
    X_train, X_test
        Pixels, shape ``(n, 64)``, float64; each pixel centred and scaled by its
        training mean and standard deviation (constant pixels are only centred).
    y_train, y_test
        Classes 0-9, int64.
    """

    X_train: NDArray[np.float64]
    y_train: NDArray[np.int64]
    X_test: NDArray[np.float64]
    y_test: NDArray[np.int64]


def load_digits_split(train_size: int = 1400, seed: int = 0) -> Digits:
    """Load the digits and split them, stratified by class, into train and test sets.

    Parameters
    ----------
    train_size
        Training images, ``10 <= train_size <= 1787`` (the rest are test images).
    seed
        Seeds the split.

    Returns
    -------
    Digits

    Raises
    ------
    ValueError
        If ``train_size`` leaves fewer than 10 images on either side.

    Examples
    --------
    >>> data = load_digits_split(1400)
    >>> data.X_train.shape, data.X_test.shape
    ((1400, 64), (397, 64))
    >>> bool(abs(data.X_train.mean()) < 1e-12)
    True
    """
    n = as_int(train_size, "train_size", minimum=10)
    if n > N_DIGITS - 10:
        raise ValueError(f"train_size must be at most {N_DIGITS - 10}, got {n}")
    state = _seed(seed, "seed")
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=n, random_state=state, stratify=y)
    mean, std = X_tr.mean(axis=0), X_tr.std(axis=0)
    std[std == 0] = 1.0
    return Digits(
        ((X_tr - mean) / std).astype(np.float64),
        y_tr.astype(np.int64),
        ((X_te - mean) / std).astype(np.float64),
        y_te.astype(np.int64),
    )


def _check_digits(data: object) -> Digits:
    if not isinstance(data, Digits):
        raise TypeError(f"data must be a Digits (see load_digits_split), got {type(data).__name__}")
    return data


# ------------------------------------------------------------------------- models


def _linear(fan_in: int, fan_out: int) -> torch.nn.Linear:
    # skip_init builds the layer without drawing from torch's global generator
    layer: torch.nn.Linear = torch.nn.utils.skip_init(  # type: ignore[no-untyped-call]
        torch.nn.Linear, fan_in, fan_out, dtype=torch.float64
    )
    return layer


def _initialise(layer: torch.nn.Linear | torch.nn.Conv2d, init: str, gen: torch.Generator) -> None:
    """Draw torch's default ``U(±1/√fan_in)`` weights and biases, or He's ``N(0, 2/fan_in)``."""
    fan_in = layer.weight[0].numel()
    bound = fan_in**-0.5
    with torch.no_grad():
        if init == "default":
            torch.nn.init.uniform_(layer.weight, -bound, bound, generator=gen)
            if layer.bias is not None:
                torch.nn.init.uniform_(layer.bias, -bound, bound, generator=gen)
        else:
            torch.nn.init.normal_(layer.weight, 0.0, (2.0 / fan_in) ** 0.5, generator=gen)
            if layer.bias is not None:
                layer.bias.zero_()


class MLP(torch.nn.Module):
    """A ReLU network ``64 → width → ... → width → 10`` with optional skips and normalisation.

    With ``φ = relu ∘ norm`` (``norm`` the identity, BatchNorm or LayerNorm),
    ``h_1 = W_in x``; each hidden layer computes ``z = W φ(h)`` and sets ``h ← z``
    (plain) or ``h ← h + z`` (residual); the output is ``W_out φ(h)``. The residual and
    plain networks of the same depth have exactly the same weights and layers; only the
    skip differs. Build it with :func:`make_mlp`.
    """

    def __init__(
        self, layers: list[torch.nn.Linear], norms: list[torch.nn.Module], residual: bool
    ) -> None:
        super().__init__()
        self.linears = torch.nn.ModuleList(layers)
        self.norms = torch.nn.ModuleList(norms)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape ``(batch, 10)``."""
        first, *hidden, last = self.linears
        h = first(x)
        for layer, norm in zip(hidden, self.norms, strict=False):
            z = layer(torch.relu(norm(h)))
            h = h + z if self.residual else z
        out: torch.Tensor = last(torch.relu(self.norms[-1](h)))
        return out


def make_mlp(
    depth: int,
    width: int = 32,
    *,
    residual: bool = False,
    norm: Norm | None = None,
    init: Init = "default",
    seed: int = 0,
) -> MLP:
    """Build a float64 ReLU :class:`MLP` on the 64 digit pixels with ``depth`` linear layers.

    Parameters
    ----------
    depth
        Linear layers, ``2 <= depth <= MAX_DEPTH`` (input, ``depth - 2`` hidden, output).
    width
        Hidden units.
    residual
        Add skip connections around the hidden layers.
    norm
        ``None``, ``"batch"`` (``BatchNorm1d``) or ``"layer"`` (``LayerNorm``), before
        each ReLU.
    init
        ``"default"``: torch's ``nn.Linear`` rule, ``U(±1/√fan_in)`` for weights and
        biases; ``"he"``: ``N(0, 2/fan_in)`` weights and zero biases.
    seed
        Seeds a ``torch.Generator`` for the initial weights (torch's global generator is
        not touched).

    Returns
    -------
    MLP

    Raises
    ------
    ValueError
        On a depth, width, norm or init outside the allowed values.

    Examples
    --------
    >>> net = make_mlp(4, 8, residual=True)
    >>> len(net.linears), net(torch.zeros(2, 64, dtype=torch.float64)).shape
    (4, torch.Size([2, 10]))
    >>> a, b = make_mlp(3, seed=1), make_mlp(3, seed=1)
    >>> bool(torch.equal(a.linears[0].weight, b.linears[0].weight))
    True
    """
    n_layers = as_int(depth, "depth", minimum=2)
    if n_layers > MAX_DEPTH:
        raise ValueError(f"depth must be at most MAX_DEPTH = {MAX_DEPTH}, got {n_layers}")
    size = as_int(width, "width", minimum=1)
    if size > 4096:
        raise ValueError(f"width must be at most 4096, got {size}")
    if norm not in (None, "batch", "layer"):
        raise ValueError(f"norm must be None, 'batch' or 'layer', got {norm!r}")
    if init not in ("default", "he"):
        raise ValueError(f"init must be 'default' or 'he', got {init!r}")
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be a bool, got {type(residual).__name__}")
    gen = torch.Generator().manual_seed(_seed(seed, "seed"))
    sizes = [64] + [size] * (n_layers - 1) + [10]
    layers = [_linear(a, b) for a, b in itertools.pairwise(sizes)]
    for layer in layers:
        _initialise(layer, init, gen)
    kinds = {"batch": torch.nn.BatchNorm1d, "layer": torch.nn.LayerNorm}
    norms: list[torch.nn.Module] = [
        kinds[norm](size, dtype=torch.float64) if norm else torch.nn.Identity()
        for _ in range(n_layers - 1)
    ]
    return MLP(layers, norms, residual)


@_one_thread()
def layer_gradient_norms(model: torch.nn.Module, X: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """Measure the norm of ``∂L/∂W`` for each linear or convolution weight, input to output.

    ``L`` is the mean cross-entropy of ``model`` on ``(X, y)``, in the model's current
    mode (train mode: BatchNorm uses the statistics of ``X``). The model is left as it
    was: the norms come from ``torch.autograd.grad`` (``.grad`` is not touched) and
    BatchNorm's running statistics are restored.

    Parameters
    ----------
    model
        A torch module mapping ``X`` (as float64) to logits.
    X
        Inputs, shape ``(n, ...)``.
    y
        Class labels, shape ``(n,)``, integers in ``0..logits - 1``.

    Returns
    -------
    numpy.ndarray
        One norm per weight matrix, in the order of ``model.modules()``.

    Raises
    ------
    TypeError
        If ``model`` is not a torch module.
    ValueError
        On non-finite inputs or labels that do not match.

    Examples
    --------
    >>> data = load_digits_split()
    >>> norms = layer_gradient_norms(make_mlp(6), data.X_train, data.y_train)
    >>> norms.shape, bool(norms[0] < norms[-1])
    ((6,), True)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    inputs, labels = _tensors(X, y)
    weights = [
        m.weight for m in model.modules() if isinstance(m, torch.nn.Linear | torch.nn.Conv2d)
    ]
    if not weights:
        raise ValueError("model has no linear or convolution layers")
    buffers = {
        k: v.clone() for k, v in model.state_dict().items() if "running" in k or "tracked" in k
    }
    loss = _cross_entropy(_forward(model, inputs, "X"), labels)
    grads = torch.autograd.grad(loss, weights)
    model.load_state_dict(buffers, strict=False)
    return finite_result(np.array([float(g.norm()) for g in grads]), "X", "the gradient norms")


def _tensors(
    X: ArrayLike, y: ArrayLike, x_name: str = "X", y_name: str = "y"
) -> tuple[torch.Tensor, torch.Tensor]:
    inputs = as_real_array(X, x_name)
    labels = as_real_array(y, y_name, ndim=1)
    if inputs.ndim < 2:
        raise ValueError(
            f"{x_name} must hold one sample per row (2-D or more), got shape {inputs.shape}"
        )
    if labels.shape[0] != inputs.shape[0]:
        raise ValueError(
            f"{y_name} must have one label per row of {x_name} ({inputs.shape[0]}), "
            f"got {labels.shape[0]}"
        )
    if np.any(labels != np.round(labels)) or labels.min() < 0 or labels.max() >= 2**31:
        raise ValueError(f"{y_name} must hold non-negative integer class labels (below 2**31)")
    return torch.from_numpy(inputs), torch.from_numpy(labels.astype(np.int64))


def _forward(model: torch.nn.Module, inputs: torch.Tensor, x_name: str) -> torch.Tensor:
    """``model(inputs)``, with a shape that does not fit the model named ``x_name``."""
    try:
        out: torch.Tensor = model(inputs)
    except RuntimeError as err:
        raise ValueError(
            f"{x_name} of shape {tuple(inputs.shape)} does not fit the model: {err}"
        ) from None
    return out


def _cross_entropy(logits: torch.Tensor, labels: torch.Tensor, name: str = "y") -> torch.Tensor:
    if int(labels.max()) >= logits.shape[-1]:
        raise ValueError(
            f"{name} must hold classes below the number of logits {logits.shape[-1]}, "
            f"got {int(labels.max())}"
        )
    return torch.nn.functional.cross_entropy(logits, labels)


# ----------------------------------------------------------------- (a) degradation


@dataclass(frozen=True)
class TrainSettings:
    """Mini-batch SGD on the digits.

    Attributes
    ----------
    epochs
        Passes over the training set (each reshuffled).
    batch_size
        Images per step; an epoch is ``n // batch_size`` full batches of a fresh
        shuffle (the few images left over sit that epoch out).
    lr, momentum
        ``torch.optim.SGD`` settings.
    seed
        Seeds the shuffling.
    """

    epochs: int = 30
    batch_size: int = 32
    lr: float = 0.05
    momentum: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        as_int(self.epochs, "epochs", minimum=0)
        as_int(self.batch_size, "batch_size", minimum=1)
        as_positive_float(self.lr, "lr")
        as_positive_float(self.momentum, "momentum", allow_zero=True)
        if self.momentum >= 1:
            raise ValueError(f"momentum must be < 1, got {self.momentum}")
        _seed(self.seed, "seed")


def _errors(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Error rate and mean cross-entropy in eval mode (BatchNorm: running statistics)."""
    mode = model.training
    model.eval()
    with torch.no_grad():
        logits = model(X)
        loss = torch.nn.functional.cross_entropy(logits, y)
    model.train(mode)
    return float((logits.argmax(dim=1) != y).double().mean()), float(loss)


@_one_thread()
def train_classifier(
    model: torch.nn.Module, data: Digits, settings: TrainSettings | None = None
) -> dict[str, NDArray[np.float64]]:
    """Train ``model`` in place by mini-batch SGD on mean cross-entropy; record its curves.

    Before training (epoch 0) and after each epoch, records the training and test
    error (fraction misclassified) and loss in eval mode, and
    :func:`layer_gradient_norms` on the whole training set in train mode.

    Parameters
    ----------
    model
        A float64 module from 64 pixels to 10 logits, e.g. :func:`make_mlp`.
    data
        :class:`Digits`.
    settings
        :class:`TrainSettings` (default ``TrainSettings()``).

    Returns
    -------
    dict
        ``epoch`` ``(E + 1,)``; ``train_error``, ``test_error``, ``train_loss``,
        ``test_loss`` ``(E + 1,)``; ``grad_norms`` ``(E + 1, layers)``; ``seconds``.

    Raises
    ------
    TypeError
        If ``model``, ``data`` or ``settings`` has the wrong type.
    ValueError
        If the run would take more than ``MAX_STEPS`` steps.

    Examples
    --------
    >>> data = load_digits_split()
    >>> out = train_classifier(make_mlp(3), data, TrainSettings(epochs=2, lr=0.1))
    >>> out["train_error"].shape, bool(out["train_error"][-1] < 0.5 < out["train_error"][0])
    ((3,), True)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    digits = _check_digits(data)
    conf = _settings(settings, TrainSettings)
    if not isinstance(conf, TrainSettings):
        raise TypeError(f"settings must be a TrainSettings, got {type(conf).__name__}")
    n = digits.X_train.shape[0]
    per_epoch = n // conf.batch_size
    if per_epoch == 0:
        raise ValueError(f"batch_size must be at most the training size {n}, got {conf.batch_size}")
    if conf.epochs * per_epoch > MAX_STEPS:
        raise ValueError(
            f"epochs * batches = {conf.epochs * per_epoch} exceeds MAX_STEPS = {MAX_STEPS}; "
            "use fewer epochs or larger batches"
        )
    X, y = torch.from_numpy(digits.X_train), torch.from_numpy(digits.y_train)
    X_te, y_te = torch.from_numpy(digits.X_test), torch.from_numpy(digits.y_test)
    gen = torch.Generator().manual_seed(conf.seed)
    opt = torch.optim.SGD(model.parameters(), lr=conf.lr, momentum=conf.momentum)
    rows: dict[str, list[float] | list[NDArray[np.float64]]] = {
        k: [] for k in ("train_error", "test_error", "train_loss", "test_loss", "grad_norms")
    }
    start = time.perf_counter()

    def log() -> None:
        for split, (inputs, labels) in (("train", (X, y)), ("test", (X_te, y_te))):
            err, loss = _errors(model, inputs, labels)
            rows[f"{split}_error"].append(err)  # type: ignore[arg-type]
            rows[f"{split}_loss"].append(loss)  # type: ignore[arg-type]
        rows["grad_norms"].append(layer_gradient_norms(model, digits.X_train, digits.y_train))  # type: ignore[arg-type]

    log()
    for _ in range(conf.epochs):
        order = torch.randperm(n, generator=gen)
        for i in range(per_epoch):
            batch = order[i * conf.batch_size : (i + 1) * conf.batch_size]
            loss = torch.nn.functional.cross_entropy(model(X[batch]), y[batch])
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
        log()
    result = {k: np.array(v, dtype=np.float64) for k, v in rows.items()}
    result["epoch"] = np.arange(conf.epochs + 1, dtype=np.float64)
    result["seconds"] = np.array(time.perf_counter() - start)
    return result


@dataclass(frozen=True)
class DegradationSettings:
    """The degradation experiment: which networks, and how they are trained.

    Attributes
    ----------
    shallow_depth, deep_depth
        Linear layers of the shallow and of the deep networks.
    width
        Hidden units of every network.
    train_size, split_seed
        The digits split (:func:`load_digits_split`).
    init_seed
        Seeds every network's initial weights.
    training
        :class:`TrainSettings` shared by all networks.
    """

    shallow_depth: int = 3
    deep_depth: int = 20
    width: int = 32
    train_size: int = 1400
    split_seed: int = 0
    init_seed: int = 0
    training: TrainSettings = TrainSettings()

    def __post_init__(self) -> None:
        as_int(self.shallow_depth, "shallow_depth", minimum=2)
        as_int(self.deep_depth, "deep_depth", minimum=2)
        if not self.deep_depth > self.shallow_depth:
            raise ValueError("deep_depth must exceed shallow_depth")
        if not isinstance(self.training, TrainSettings):
            raise TypeError("training must be a TrainSettings")


#: The networks of :func:`degradation_experiment`: depth ("shallow"/"deep") and options.
VARIANTS: dict[str, dict[str, object]] = {
    "shallow": {"depth": "shallow"},
    "deep": {"depth": "deep"},
    "deep_he_init": {"depth": "deep", "init": "he"},  # not architectural
    "deep_batchnorm": {"depth": "deep", "norm": "batch"},  # architectural
    "deep_residual": {"depth": "deep", "residual": True},  # architectural
}


#: What each remedy changes, for the chapter's table.
REMEDIES = {
    "deep_he_init": "initialisation (not architectural)",
    "deep_batchnorm": "normalisation layers (architectural)",
    "deep_residual": "skip connections (architectural)",
}


def degradation_model(name: str, settings: DegradationSettings | None = None) -> MLP:
    """Build the untrained network called ``name`` in :data:`VARIANTS`.

    Parameters
    ----------
    name
        A key of :data:`VARIANTS`.
    settings
        :class:`DegradationSettings` (default ``DegradationSettings()``).

    Returns
    -------
    MLP

    Raises
    ------
    ValueError
        On an unknown name.

    Examples
    --------
    >>> len(degradation_model("deep").linears), degradation_model("deep_residual").residual
    (20, True)
    """
    if name not in VARIANTS:
        raise ValueError(f"name must be one of {tuple(VARIANTS)}, got {name!r}")
    conf = _settings(settings, DegradationSettings)
    options = dict(VARIANTS[name])
    depth = conf.shallow_depth if options.pop("depth") == "shallow" else conf.deep_depth
    return make_mlp(depth, conf.width, seed=conf.init_seed, **options)  # type: ignore[arg-type]


def degradation_experiment(
    settings: DegradationSettings | None = None,
    variants: tuple[str, ...] = tuple(VARIANTS),
) -> dict[str, dict[str, NDArray[np.float64]]]:
    """Train every network of :data:`VARIANTS` on the same digits split; their curves.

    Parameters
    ----------
    settings
        :class:`DegradationSettings` (default ``DegradationSettings()``).
    variants
        Which networks (keys of :data:`VARIANTS`).

    Returns
    -------
    dict
        ``{name: train_classifier(...) result}``.

    Raises
    ------
    ValueError
        On an unknown variant name.

    Examples
    --------
    >>> conf = DegradationSettings(deep_depth=6, training=TrainSettings(epochs=1))
    >>> out = degradation_experiment(conf, ("shallow", "deep"))
    >>> sorted(out), out["deep"]["grad_norms"].shape
    (['deep', 'shallow'], (2, 6))
    """
    conf = _settings(settings, DegradationSettings)
    if not isinstance(conf, DegradationSettings):
        raise TypeError(f"settings must be a DegradationSettings, got {type(conf).__name__}")
    if not isinstance(variants, tuple) or not all(v in VARIANTS for v in variants):
        raise ValueError(
            f"variants must be a tuple of names from {tuple(VARIANTS)}, got {variants!r}"
        )
    data = load_digits_split(conf.train_size, conf.split_seed)
    return {v: train_classifier(degradation_model(v, conf), data, conf.training) for v in variants}


# ------------------------------------------------------ (b) gradient accumulation


def small_cnn(norm: Norm, *, channels: int = 8, seed: int = 0) -> torch.nn.Sequential:
    """Build a two-convolution float64 CNN on 1×8×8 images, with BatchNorm or LayerNorm.

    ``conv3×3 → norm → relu → conv3×3 → norm → relu → global mean → linear(10)``;
    ``norm`` is ``BatchNorm2d(C)`` (statistics over the batch and the pixels of each
    channel) or ``GroupNorm(1, C)``, i.e. LayerNorm over each sample's channels and pixels.
    Both versions share the same convolution and linear weights for the same seed.

    Parameters
    ----------
    norm
        ``"batch"`` or ``"layer"``.
    channels
        ``C``, between 1 and 256.
    seed
        Seeds the initial weights (torch's default rule, drawn from a ``torch.Generator``).

    Returns
    -------
    torch.nn.Sequential

    Raises
    ------
    ValueError
        On another norm or a channel count out of range.

    Examples
    --------
    >>> net = small_cnn("layer")
    >>> net(torch.zeros(3, 1, 8, 8, dtype=torch.float64)).shape
    torch.Size([3, 10])
    >>> a, b = small_cnn("batch", seed=2), small_cnn("layer", seed=2)
    >>> bool(torch.equal(a[0].weight, b[0].weight))
    True
    """
    if norm not in ("batch", "layer"):
        raise ValueError(f"norm must be 'batch' or 'layer', got {norm!r}")
    C = as_int(channels, "channels", minimum=1)
    if C > 256:
        raise ValueError(f"channels must be at most 256, got {C}")
    gen = torch.Generator().manual_seed(_seed(seed, "seed"))
    dt = torch.float64

    def conv(c_in: int) -> torch.nn.Conv2d:
        layer: torch.nn.Conv2d = torch.nn.utils.skip_init(  # type: ignore[no-untyped-call]
            torch.nn.Conv2d, c_in, C, 3, padding=1, dtype=dt
        )
        _initialise(layer, "default", gen)
        return layer

    def normalise() -> torch.nn.Module:
        if norm == "batch":
            return torch.nn.BatchNorm2d(C, dtype=dt)
        return torch.nn.GroupNorm(1, C, dtype=dt)

    c1, c2 = conv(1), conv(C)
    head = _linear(C, 10)
    _initialise(head, "default", gen)
    return torch.nn.Sequential(
        c1, normalise(), torch.nn.ReLU(), c2, normalise(), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), head,
    )  # fmt: skip


def _running_stats(model: torch.nn.Module) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    width = bns[0].num_features if bns else 0
    means = [m.running_mean.detach().numpy().copy() for m in bns if m.running_mean is not None]
    variances = [m.running_var.detach().numpy().copy() for m in bns if m.running_var is not None]
    shape = (len(bns), width)
    return np.array(means).reshape(shape), np.array(variances).reshape(shape)


@_one_thread()
def accumulate(
    model: torch.nn.Module,
    images: ArrayLike,
    labels: ArrayLike,
    batch_size: int,
    *,
    train: bool = True,
) -> dict[str, NDArray[np.float64]]:
    """Run one gradient-accumulation cycle: micro-batches of ``batch_size``, loss / steps.

    With ``steps = len(images) // batch_size``, for each consecutive micro-batch the
    mean cross-entropy divided by ``steps`` is back-propagated into ``.grad`` without an
    optimiser step, as in the pseudocode of the problem. Runs on a deep copy: ``model``
    (its weights, gradients and BatchNorm statistics) is left unchanged.

    Parameters
    ----------
    model
        A float64 classifier of ``images``.
    images
        Shape ``(N, ...)``.
    labels
        Classes, shape ``(N,)``.
    batch_size
        Micro-batch size; must divide ``N``.
    train
        Train mode (BatchNorm uses micro-batch statistics and updates its running
        statistics) or eval mode (it uses the stored running statistics).

    Returns
    -------
    dict
        ``logits`` ``(N, classes)`` (the micro-batches' outputs in order), ``grad`` (every
        parameter's accumulated gradient, flattened and concatenated in
        ``model.parameters()`` order), ``running_mean`` and ``running_var`` ``(layers, C)``
        of the BatchNorm layers after the cycle (``(0, 0)`` without BatchNorm).

    Raises
    ------
    ValueError
        If ``batch_size`` does not divide ``N`` or the labels do not match.

    Examples
    --------
    >>> X, y = digit_images(8)
    >>> whole = accumulate(small_cnn("layer"), X, y, 8)
    >>> parts = accumulate(small_cnn("layer"), X, y, 2)
    >>> bool(np.allclose(whole["grad"], parts["grad"], rtol=0, atol=1e-12))
    True
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X, y = _tensors(images, labels, "images", "labels")
    N = X.shape[0]
    b = as_int(batch_size, "batch_size", minimum=1)
    if N % b:
        raise ValueError(f"batch_size must divide the number of images {N}, got {b}")
    steps = N // b
    if not isinstance(train, bool):
        raise TypeError(f"train must be a bool, got {type(train).__name__}")
    net = copy.deepcopy(model)
    net.train(train)
    for p in net.parameters():
        p.grad = None
    logits = []
    for i in range(steps):
        out = _forward(net, X[i * b : (i + 1) * b], "images")
        loss = _cross_entropy(out, y[i * b : (i + 1) * b], "labels") / steps
        loss.backward()  # type: ignore[no-untyped-call]  # adds into .grad
        logits.append(out.detach())
    grads = [p.grad.reshape(-1) for p in net.parameters() if p.grad is not None]
    finite_result(torch.cat(grads).numpy(), "images", "the accumulated gradient")
    finite_result(torch.cat(logits).numpy(), "images", "the logits")
    mean, var = _running_stats(net)
    for stats in (mean, var):
        finite_result(stats, "images", "the running statistics")
    return {
        "logits": torch.cat(logits).numpy(),
        "grad": torch.cat(grads).numpy(),
        "running_mean": mean,
        "running_var": var,
    }


def digit_images(count: int = 32, seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Draw ``count`` distinct digits as ``(count, 1, 8, 8)`` images in ``[0, 1]``, with labels.

    Parameters
    ----------
    count
        Between 1 and 1797.
    seed
        Seeds which images are drawn.

    Returns
    -------
    tuple of numpy.ndarray

    Raises
    ------
    ValueError
        If ``count`` is out of range.

    Examples
    --------
    >>> X, y = digit_images(4)
    >>> X.shape, float(X.max()) <= 1.0, y.shape
    ((4, 1, 8, 8), True, (4,))
    """
    n = as_int(count, "count", minimum=1)
    if n > N_DIGITS:
        raise ValueError(f"count must be at most {N_DIGITS}, got {n}")
    X, y = load_digits(return_X_y=True)
    pick = np.random.default_rng(_seed(seed, "seed")).choice(N_DIGITS, n, replace=False)
    return (X[pick] / 16.0).reshape(n, 1, 8, 8).astype(np.float64), y[pick].astype(np.int64)


@dataclass(frozen=True)
class AccumulationSettings:
    """The accumulation test: network, data and BatchNorm warm-up.

    Attributes
    ----------
    channels
        ``C`` of :func:`small_cnn`.
    model_seed, data_seed
        Seed the weights and which 32 digits form the effective batch.
    warmup_batches
        Train-mode forward passes (on other random digits, 32 each) before the test,
        so that BatchNorm's running statistics, which eval mode uses, are not the
        trivial initial ``(0, 1)``.
    """

    channels: int = 8
    model_seed: int = 0
    data_seed: int = 0
    warmup_batches: int = 5

    def __post_init__(self) -> None:
        as_int(self.channels, "channels", minimum=1)
        _seed(self.model_seed, "model_seed")
        _seed(self.data_seed, "data_seed")
        as_int(self.warmup_batches, "warmup_batches", minimum=0)
        if self.warmup_batches > 1000:
            raise ValueError("warmup_batches must be at most 1000")


@_one_thread()
def accumulation_setup(
    norm: Norm, settings: AccumulationSettings | None = None
) -> tuple[torch.nn.Sequential, NDArray[np.float64], NDArray[np.int64]]:
    """Build the network and the effective batch of :func:`accumulation_experiment`.

    Draws ``32 · (warmup_batches + 1)`` distinct digits: the first 32 are the batch
    under test, the rest feed the train-mode warm-up passes (no gradient) that set
    BatchNorm's running statistics.

    Parameters
    ----------
    norm
        ``"batch"`` or ``"layer"``.
    settings
        :class:`AccumulationSettings` (default ``AccumulationSettings()``).

    Returns
    -------
    tuple
        The warmed-up :func:`small_cnn`, images ``(32, 1, 8, 8)`` and labels ``(32,)``.

    Raises
    ------
    TypeError
        If ``settings`` is not an :class:`AccumulationSettings`.
    ValueError
        On another norm.

    Examples
    --------
    >>> model, X, y = accumulation_setup("batch")
    >>> X.shape, bool(model[1].running_mean.abs().sum() > 0)
    ((32, 1, 8, 8), True)
    """
    conf = _settings(settings, AccumulationSettings)
    if not isinstance(conf, AccumulationSettings):
        raise TypeError(f"settings must be an AccumulationSettings, got {type(conf).__name__}")
    model = small_cnn(norm, channels=conf.channels, seed=conf.model_seed)
    effective = SPLITS[-1][0]
    pool, labels = digit_images(effective * (conf.warmup_batches + 1), seed=conf.data_seed)
    model.train()
    with torch.no_grad():
        for k in range(1, conf.warmup_batches + 1):
            model(torch.from_numpy(pool[k * effective : (k + 1) * effective]))
    return model, pool[:effective], labels[:effective]


@_one_thread()
def accumulation_experiment(
    norm: Norm, settings: AccumulationSettings | None = None
) -> dict[str, NDArray[np.float64]]:
    """Every split of :data:`SPLITS` on the same network and the same 32 digits.

    Parameters
    ----------
    norm
        ``"batch"`` or ``"layer"``.
    settings
        :class:`AccumulationSettings` (default ``AccumulationSettings()``).

    Returns
    -------
    dict
        ``splits`` ``(6, 2)``; train mode: ``logits`` ``(6, 32, 10)``, ``grad`` ``(6, P)``,
        ``running_mean`` and ``running_var`` ``(6, layers, C)``; eval mode:
        ``eval_logits``, ``eval_grad``; and ``logit_deviation``, ``grad_deviation``,
        ``eval_logit_deviation``, ``eval_grad_deviation`` ``(6,)``: the largest absolute
        difference from the baseline split ``(32, 1)`` (the last row).

    Raises
    ------
    ValueError
        On another norm.

    Examples
    --------
    >>> ln = accumulation_experiment("layer")
    >>> bool(ln["logit_deviation"].max() < 1e-12), bool(ln["grad_deviation"].max() < 1e-12)
    (True, True)
    >>> bn = accumulation_experiment("batch")
    >>> bool(bn["logit_deviation"][0] > 0.1), bool(bn["eval_grad_deviation"].max() < 1e-12)
    (True, True)
    """
    model, X, y = accumulation_setup(norm, settings)
    runs = {
        mode: [accumulate(model, X, y, b, train=mode) for b, _ in SPLITS] for mode in (True, False)
    }
    result = {"splits": np.array(SPLITS, dtype=np.float64)}
    for key in ("logits", "grad", "running_mean", "running_var"):
        result[key] = np.stack([r[key] for r in runs[True]])
    for key in ("logits", "grad"):
        result[f"eval_{key}"] = np.stack([r[key] for r in runs[False]])
    for key in ("logits", "grad", "eval_logits", "eval_grad"):
        stacked = result[key]
        deviation = np.abs(stacked - stacked[-1]).reshape(len(SPLITS), -1).max(axis=1)
        result[f"{key.removesuffix('s')}_deviation"] = deviation
    return result


# ------------------------------------------------------------- (c) missing zero_grad


def _linear_problem(
    X: ArrayLike, y: ArrayLike, w0: ArrayLike, steps: int, batch_size: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], int, int]:
    A = as_real_array(X, "X", ndim=2)
    b = as_real_array(y, "y", ndim=1)
    w = as_real_array(w0, "w0", ndim=1)
    if b.shape[0] != A.shape[0]:
        raise ValueError(f"y must have one entry per row of X ({A.shape[0]}), got {b.shape[0]}")
    if w.shape[0] != A.shape[1]:
        raise ValueError(f"w0 must have one entry per column of X ({A.shape[1]}), got {w.shape[0]}")
    T = as_int(steps, "steps", minimum=0)
    if T > MAX_STEPS:
        raise ValueError(f"steps must be at most MAX_STEPS = {MAX_STEPS}, got {T}")
    size = as_int(batch_size, "batch_size", minimum=1)
    if A.shape[0] % size:
        raise ValueError(f"batch_size must divide the number of rows {A.shape[0]}, got {size}")
    return A, b, w, T, size


def _batch(t: int, size: int, n: int) -> slice:
    """Step ``t`` uses rows ``[t·b mod n, t·b mod n + b)``: the data in order, cyclically."""
    start = (t * size) % n
    return slice(start, start + size)


@_one_thread()
def torch_sgd_loop(
    X: ArrayLike,
    y: ArrayLike,
    w0: ArrayLike,
    lr: float,
    steps: int,
    *,
    batch_size: int = 1,
    zero_grad: bool = True,
    momentum: float = 0.0,
) -> NDArray[np.float64]:
    """Run the PyTorch training loop on least squares, with or without ``zero_grad``.

    A float64 parameter ``w``, loss ``mean((X_B w - y_B)²)`` on the cyclic batch ``B`` of
    step ``t`` (rows ``t·b mod n`` onwards), ``torch.optim.SGD(lr, momentum)``. With
    ``zero_grad=False`` the gradients are zeroed once, before the loop (the bug).

    Parameters
    ----------
    X, y
        Data, shapes ``(n, d)`` and ``(n,)``.
    w0
        Initial weights, shape ``(d,)``.
    lr
        Step size.
    steps
        Optimiser steps, at most ``MAX_STEPS``.
    batch_size
        Rows per step; must divide ``n``.
    zero_grad
        Call ``optimizer.zero_grad()`` at the start of every step.
    momentum
        ``torch.optim.SGD``'s momentum (dampening 0), in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray
        The iterates ``w_0, ..., w_T``, shape ``(T + 1, d)``.

    Raises
    ------
    ValueError
        On mismatched shapes, a batch size that does not divide ``n``, or bad numbers.

    Examples
    --------
    >>> X, y = [[1.0, 0.0], [0.0, 2.0]], [1.0, 1.0]
    >>> buggy = torch_sgd_loop(X, y, [0.0, 0.0], 0.1, 5, zero_grad=False)
    >>> momentum = torch_sgd_loop(X, y, [0.0, 0.0], 0.1, 5, momentum=1.0)
    >>> bool(np.array_equal(buggy, momentum))
    True
    """
    A, b, w, T, size = _linear_problem(X, y, w0, steps, batch_size)
    rate = as_positive_float(lr, "lr")
    beta = as_positive_float(momentum, "momentum", allow_zero=True)
    if beta > 1:
        raise ValueError(f"momentum must be in [0, 1], got {momentum}")
    zero_grad = as_bool(zero_grad, "zero_grad")
    A_t, b_t = torch.from_numpy(A), torch.from_numpy(b)
    param = torch.nn.Parameter(torch.from_numpy(w.copy()))
    opt = torch.optim.SGD([param], lr=rate, momentum=beta)
    path = [param.detach().clone()]
    opt.zero_grad()
    for t in range(T):
        if zero_grad:
            opt.zero_grad()
        rows = _batch(t, size, A.shape[0])
        loss = ((A_t[rows] @ param - b_t[rows]) ** 2).mean()
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()
        path.append(param.detach().clone())
    return _finite_path(torch.stack(path).numpy(), rate)


def _numbers(
    A: NDArray[np.float64], b: NDArray[np.float64], w: NDArray[np.float64], lr: float, exact: bool
) -> tuple[Any, Any, Any, Any]:
    """Return the data as float64, or converted exactly to ``Fraction`` objects."""
    if not exact:
        return A, b, w, lr
    frac = np.vectorize(Fraction, otypes=[object])
    return frac(A), frac(b), frac(w), Fraction(lr)


def _gradient(
    A: NDArray[np.float64], b: NDArray[np.float64], w: NDArray[np.float64]
) -> NDArray[np.float64]:
    """∇ of ``mean((A w - b)²)``: ``(2/m) Aᵀ(A w - b)`` (exact for Fraction arrays)."""
    m = A.shape[0]
    scale: Any = Fraction(2, m) if A.dtype == object else 2.0 / m
    grad: NDArray[np.float64] = scale * (A.T @ (A @ w - b))
    return grad


def _exact_steps(exact: object, steps: int) -> bool:
    if not isinstance(exact, bool):
        raise TypeError(f"exact must be a bool, got {type(exact).__name__}")
    if exact and steps > MAX_EXACT_STEPS:
        raise ValueError(
            f"steps must be at most MAX_EXACT_STEPS = {MAX_EXACT_STEPS} with exact=True "
            "(the fractions grow with every step); use exact=False beyond"
        )
    return exact


def accumulating_sgd(
    X: ArrayLike,
    y: ArrayLike,
    w0: ArrayLike,
    lr: float,
    steps: int,
    *,
    batch_size: int = 1,
    zero_grad: bool = True,
    exact: bool = False,
) -> NDArray[np.float64]:
    """Redo the loop's arithmetic in numpy: a gradient buffer ``G``, ``w ← w - lr·G``.

    Each step adds the fresh batch gradient ``g_t = ∇L_{B_t}(w_t)`` to ``G``; with
    ``zero_grad`` the buffer is reset first, so ``G = g_t``; without, ``G = g_0 + ... + g_t``.

    Parameters
    ----------
    X, y, w0, lr, steps, batch_size, zero_grad
        As in :func:`torch_sgd_loop`.
    exact
        Compute in exact rationals (each float converted exactly to a ``Fraction``);
        at most ``MAX_EXACT_STEPS`` steps.

    Returns
    -------
    numpy.ndarray
        ``(T + 1, d)`` iterates: float64, or ``Fraction`` objects with ``exact``.

    Raises
    ------
    ValueError
        As :func:`torch_sgd_loop`, or too many exact steps.

    Examples
    --------
    >>> X, y = [[1.0], [2.0]], [1.0, 0.0]
    >>> W = accumulating_sgd(X, y, [0.0], 0.25, 2, zero_grad=False, exact=True)
    >>> [str(w[0]) for w in W]
    ['0', '1/2', '0']
    """
    A, b, w, T, size = _linear_problem(X, y, w0, steps, batch_size)
    rate = as_positive_float(lr, "lr")
    zero_grad = as_bool(zero_grad, "zero_grad")
    A, b, w, eta = _numbers(A, b, w, rate, _exact_steps(exact, T))
    G = 0 * w
    path = [w]
    for t in range(T):
        rows = _batch(t, size, A.shape[0])
        G = (0 * w if zero_grad else G) + _gradient(A[rows], b[rows], w)
        w = w - eta * G
        path.append(w)
    return _finite_path(np.array(path), rate)


def heavy_ball(
    X: ArrayLike,
    y: ArrayLike,
    w0: ArrayLike,
    lr: float,
    steps: int,
    *,
    beta: float,
    batch_size: int = 1,
    exact: bool = False,
) -> NDArray[np.float64]:
    """Heavy-ball momentum, ``w_{t+1} = w_t - lr·g_t + β(w_t - w_{t-1})``, with ``w_{-1} = w_0``.

    ``g_t`` is the batch gradient at ``w_t`` on the batches of :func:`torch_sgd_loop`.
    Written as a two-term recurrence (no momentum buffer), independently of
    :func:`accumulating_sgd`; with ``β = 1`` the two give the same iterates.

    Parameters
    ----------
    X, y, w0, lr, steps, batch_size, exact
        As in :func:`accumulating_sgd`.
    beta
        The momentum, ``0 <= β <= 1``.

    Returns
    -------
    numpy.ndarray
        ``(T + 1, d)`` iterates.

    Raises
    ------
    ValueError
        As :func:`accumulating_sgd`, or a negative ``beta``.

    Examples
    --------
    >>> X, y, w0 = [[1.0], [2.0]], [1.0, 0.0], [0.0]
    >>> hb = heavy_ball(X, y, w0, 0.25, 2, beta=1.0, exact=True)
    >>> acc = accumulating_sgd(X, y, w0, 0.25, 2, zero_grad=False, exact=True)
    >>> bool((hb == acc).all())
    True
    """
    A, b, w, T, size = _linear_problem(X, y, w0, steps, batch_size)
    rate = as_positive_float(lr, "lr")
    momentum = as_positive_float(beta, "beta", allow_zero=True)
    if momentum > 1:
        raise ValueError(f"beta must be in [0, 1] (a momentum), got {beta!r}")
    A, b, w, eta = _numbers(A, b, w, rate, _exact_steps(exact, T))
    mu = Fraction(momentum) if exact else momentum
    previous, path = w, [w]
    for t in range(T):
        rows = _batch(t, size, A.shape[0])
        w, previous = w - eta * _gradient(A[rows], b[rows], w) + mu * (w - previous), w
        path.append(w)
    return _finite_path(np.array(path), rate)


@dataclass(frozen=True)
class ZeroGradSettings:
    """The missing-``zero_grad`` experiment on the digits.

    Attributes
    ----------
    depth, width
        The :func:`make_mlp` network (plain, default initialisation).
    lr, batch_size
        SGD without momentum, as in the problem: ``lr = 0.001``, batches of 100.
    epochs
        Passes over the training set (``train_size / batch_size`` steps each).
    train_size, split_seed, init_seed, shuffle_seed
        The data split, the initial weights and the batch order.
    """

    depth: int = 3
    width: int = 32
    lr: float = 0.001
    batch_size: int = 100
    epochs: int = 250
    train_size: int = 1400
    split_seed: int = 0
    init_seed: int = 0
    shuffle_seed: int = 0

    def __post_init__(self) -> None:
        as_positive_float(self.lr, "lr")
        as_int(self.epochs, "epochs", minimum=1)
        size = as_int(self.batch_size, "batch_size", minimum=1)
        if as_int(self.train_size, "train_size", minimum=10) % size:
            raise ValueError("batch_size must divide train_size (every step a full batch)")


@_one_thread()
def zero_grad_experiment(
    settings: ZeroGradSettings | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Train the same network on the same batches with the buggy and with the fixed loop.

    The buggy loop zeroes the gradients once, before the loop; the fixed loop calls
    ``optimizer.zero_grad()`` at the start of every step. Both start from the same
    weights and see the same batches in the same order.

    Parameters
    ----------
    settings
        :class:`ZeroGradSettings` (default ``ZeroGradSettings()``).

    Returns
    -------
    dict
        ``step`` ``(T,)`` (1-based); ``loss_fixed``, ``loss_buggy`` ``(T,)``: each step's
        batch loss before its update; ``train_loss_fixed``, ``train_loss_buggy`` ``(E + 1,)``:
        the whole training set's loss after each epoch (entry 0 at initialisation);
        ``grad_norm_buggy`` ``(T,)``: the norm of the accumulated ``.grad`` each step used.

    Raises
    ------
    ValueError
        If the run would take more than ``MAX_STEPS`` steps.

    Examples
    --------
    >>> out = zero_grad_experiment(ZeroGradSettings(epochs=3))
    >>> out["loss_fixed"].shape, bool(out["loss_fixed"][0] == out["loss_buggy"][0])
    ((42,), True)
    """
    conf = _settings(settings, ZeroGradSettings)
    if not isinstance(conf, ZeroGradSettings):
        raise TypeError(f"settings must be a ZeroGradSettings, got {type(conf).__name__}")
    per_epoch = conf.train_size // conf.batch_size
    if conf.epochs * per_epoch > MAX_STEPS:
        raise ValueError(f"epochs * batches exceeds MAX_STEPS = {MAX_STEPS}; use fewer epochs")
    data = load_digits_split(conf.train_size, conf.split_seed)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    gen = torch.Generator().manual_seed(conf.shuffle_seed)
    orders = [torch.randperm(conf.train_size, generator=gen) for _ in range(conf.epochs)]
    result: dict[str, NDArray[np.float64]] = {}
    for name, fixed in (("fixed", True), ("buggy", False)):
        model = make_mlp(conf.depth, conf.width, seed=conf.init_seed)
        opt = torch.optim.SGD(model.parameters(), lr=conf.lr)
        losses, epoch_losses, norms = [], [_errors(model, X, y)[1]], []
        opt.zero_grad()
        for order in orders:
            for i in range(per_epoch):
                batch = order[i * conf.batch_size : (i + 1) * conf.batch_size]
                if fixed:
                    opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(X[batch]), y[batch])
                loss.backward()  # type: ignore[no-untyped-call]
                norms.append(
                    float(
                        torch.cat(
                            [p.grad.reshape(-1) for p in model.parameters() if p.grad is not None]
                        ).norm()
                    )
                )
                opt.step()
                losses.append(loss.detach().item())
            epoch_losses.append(_errors(model, X, y)[1])
        result[f"loss_{name}"] = np.array(losses)
        result[f"train_loss_{name}"] = np.array(epoch_losses)
        if not fixed:
            result["grad_norm_buggy"] = np.array(norms)
    result["step"] = np.arange(1, conf.epochs * per_epoch + 1, dtype=np.float64)
    return result
