"""ResNet-18 for 32 × 32 images: the network, its shapes, augmentation, schedules, training.

The network is the common CIFAR variant of ResNet-18 (He et al., 2016): a 3 × 3
convolution with ``w = 64`` channels (the *stem*), four stages of two BasicBlocks with
``w, 2w, 4w, 8w`` channels and strides ``1, 2, 2, 2`` (so 32 → 32 → 16 → 8 → 4 pixels),
global average pooling and a linear layer ``8w → 10``. A BasicBlock computes
``relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))`` with 3 × 3 convolutions; the
shortcut is the identity, or a strided 1 × 1 convolution and batch norm when the shape
changes. Counting the stem, the 16 convolutions of the blocks and the linear layer
gives the 18 layers of the name. The width ``w`` is a parameter so that the book can
replay training in seconds with a narrow copy of the same architecture.

Also here: :func:`layer_shapes` records every layer's output shape with forward hooks;
:func:`parameter_formula` is the closed-form parameter count; :func:`random_crop` and
:func:`random_flip` are the two augmentations, written with tensor ops and seeded by a
``torch.Generator``; :func:`learning_rate` evaluates the three learning-rate schedules
as pure functions of the step; :func:`train` runs one training and returns its curves.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import sympy
import torch
from numpy.typing import ArrayLike, NDArray
from torch import nn

from dlhw.cifar import ImageData, StandIn, digits_standin, load_cifar10, subset
from dlhw.validation import as_int, as_positive_float

#: The symbols of :func:`parameter_formula`: width, number of classes, input channels.
WIDTH, CLASSES, CHANNELS = sympy.symbols("w K c", positive=True, integer=True)
#: Widest network :func:`resnet18` builds (64 is ResNet-18; wider costs ``w^2``).
MAX_WIDTH = 256
#: Largest input side :func:`layer_shapes` runs.
MAX_SIDE = 512
#: Most epochs :func:`train` runs; raise it here for longer runs.
MAX_EPOCHS = 200
#: Most optimiser steps a schedule or a training run may have.
MAX_STEPS = 10**6
#: Most classes (outputs) and input channels of a model built here.
MAX_CHANNELS = 4096
#: Most zero pixels added on each side by the crops (at most the largest side).
MAX_PADDING = MAX_SIDE
#: Largest seed (torch seeds are 64-bit).
MAX_SEED = 2**63 - 1
#: Per stage, its name, the multiple of the width it has and the stride of its first block.
STAGES = (("layer1", 1, 1), ("layer2", 2, 2), ("layer3", 4, 2), ("layer4", 8, 2))


# --------------------------------------------------------------------------- the network


class BasicBlock(nn.Module):
    """Two 3 × 3 convolutions with batch norm, plus a shortcut: ``relu(F(x) + S(x))``.

    Examples
    --------
    >>> block = BasicBlock(8, 16, stride=2)
    >>> block(torch.zeros(1, 8, 32, 32)).shape
    torch.Size([1, 16, 16, 16])
    """

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to a batch ``(N, c_in, H, W)``; return ``(N, c_out, H', W')``."""
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 for 32 × 32 inputs, with stage widths ``w, 2w, 4w, 8w`` (see the module).

    Build it with :func:`resnet18`, which seeds the initialisation.

    Examples
    --------
    >>> ResNet18(width=4)(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(self, width: int = 64, classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
        )
        c_in = width
        for name, multiple, stride in STAGES:
            c_out = multiple * width
            setattr(
                self,
                name,
                nn.Sequential(BasicBlock(c_in, c_out, stride), BasicBlock(c_out, c_out, 1)),
            )
            c_in = c_out
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c_in, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (logits) ``(N, classes)`` of a batch ``(N, in_channels, H, W)``."""
        x = self.stem(x)
        for name, _, _ in STAGES:
            x = getattr(self, name)(x)
        logits: torch.Tensor = self.fc(self.flatten(self.pool(x)))
        return logits


def _channels(value: object, name: str) -> int:
    return as_int(
        value, name, minimum=1, maximum=MAX_CHANNELS, limit_name="dlhw.resnet.MAX_CHANNELS"
    )


def resnet18(
    width: int = 64, classes: int = 10, in_channels: int = 3, *, seed: int = 0
) -> ResNet18:
    """Build a ResNet-18 with torch's default initialisation, seeded.

    The initialisation draws from a forked copy of torch's global generator seeded with
    ``seed``, so the global random state is left as it was.

    Parameters
    ----------
    width
        Channels of the stem and the first stage, ``1 ..`` :data:`MAX_WIDTH` (64 is ResNet-18).
    classes
        Number of outputs, ``>= 1``.
    in_channels
        Channels of the input images, ``>= 1``.
    seed
        Seed of the initialisation, ``>= 0``.

    Returns
    -------
    ResNet18

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is out of range.

    Examples
    --------
    >>> a, b = resnet18(width=2, seed=1), resnet18(width=2, seed=1)
    >>> bool(torch.equal(a.fc.weight, b.fc.weight))
    True
    >>> resnet18(width=1000)
    Traceback (most recent call last):
    ...
    ValueError: width must be at most MAX_WIDTH = 256 (ResNet-18 is width 64), got 1000
    """
    w = as_int(width, "width", minimum=1)
    if w > MAX_WIDTH:
        raise ValueError(
            f"width must be at most MAX_WIDTH = {MAX_WIDTH} (ResNet-18 is width 64), got {w}"
        )
    k = _channels(classes, "classes")
    c = _channels(in_channels, "in_channels")
    s = as_int(seed, "seed", minimum=0, maximum=MAX_SEED, limit_name="dlhw.resnet.MAX_SEED")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(s)
        return ResNet18(width=w, classes=k, in_channels=c)


def _model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def layer_shapes(
    model: nn.Module, side: int = 32, in_channels: int = 3
) -> list[tuple[str, str, tuple[int, ...]]]:
    """Run one image through ``model`` and record each submodule's output shape.

    A forward hook on every submodule records ``(name, type, shape)`` when the module
    returns, so the list is in the order in which the modules finish: inner layers come
    before the block that contains them. Shapes are per image (the batch axis is dropped).
    The model runs in evaluation mode, without gradients, and its mode is restored.

    Parameters
    ----------
    model
        Any ``torch.nn.Module`` taking ``(1, in_channels, side, side)``.
    side
        Side of the square input, ``1 ..`` :data:`MAX_SIDE`.
    in_channels
        Channels of the input.

    Returns
    -------
    list of (str, str, tuple of int)
        Module name (as in ``named_modules``), class name, output shape without the batch.

    Raises
    ------
    TypeError
        If ``model`` is not a module or a size is not an integer.
    ValueError
        If a size is out of range.

    Examples
    --------
    >>> shapes = dict((name, shape) for name, _, shape in layer_shapes(resnet18(width=64)))
    >>> shapes["stem"], shapes["layer2"], shapes["layer4"], shapes["fc"]
    ((64, 32, 32), (128, 16, 16), (512, 4, 4), (10,))
    """
    net = _model(model)
    n = as_int(side, "side", minimum=1)
    if n > MAX_SIDE:
        raise ValueError(f"side must be at most MAX_SIDE = {MAX_SIDE}, got {n}")
    c = _channels(in_channels, "in_channels")
    records: list[tuple[str, str, tuple[int, ...]]] = []
    handles = []
    for name, module in net.named_modules():
        if not name:
            continue

        def hook(mod: nn.Module, _inputs: object, output: torch.Tensor, name: str = name) -> None:
            records.append((name, type(mod).__name__, tuple(output.shape[1:])))

        handles.append(module.register_forward_hook(hook))
    training = net.training
    try:
        net.eval()
        with torch.no_grad():
            net(torch.zeros(1, c, n, n))
    finally:
        net.train(training)
        for handle in handles:
            handle.remove()
    return records


def conv_output_side(side: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output side of a convolution: ``floor((side + 2 padding - kernel) / stride) + 1``.

    Parameters
    ----------
    side
        Input side ``>= 1``.
    kernel
        Kernel side ``>= 1``, at most ``side + 2 padding``.
    stride
        Stride ``>= 1``.
    padding
        Zero padding on each border, ``>= 0``.

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        For non-integers or values out of range.

    Examples
    --------
    >>> conv_output_side(32, 3, stride=2, padding=1), conv_output_side(32, 3, padding=1)
    (16, 32)
    """
    n = as_int(side, "side", minimum=1)
    k = as_int(kernel, "kernel", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    p = as_int(
        padding, "padding", minimum=0, maximum=MAX_PADDING, limit_name="dlhw.resnet.MAX_PADDING"
    )
    if k > n + 2 * p:
        raise ValueError(f"kernel must be at most side + 2 padding = {n + 2 * p}, got {k}")
    return (n + 2 * p - k) // s + 1


def stage_shapes(width: int = 64, side: int = 32, classes: int = 10) -> dict[str, tuple[int, ...]]:
    """Compute the output shape of the stem, each stage, the pooling and the head by formula.

    Each stage's first 3 × 3 convolution (padding 1) has stride 1, 2, 2, 2, so the side
    follows :func:`conv_output_side`: ``32 → 32 → 16 → 8 → 4``; the channels are
    ``w, w, 2w, 4w, 8w``. These are the shapes :func:`layer_shapes` must observe.

    Parameters
    ----------
    width, side, classes
        Width of the network, input side, number of classes (positive integers).

    Returns
    -------
    dict
        Keys ``stem``, ``layer1`` … ``layer4``, ``pool``, ``flatten``, ``fc``.

    Raises
    ------
    TypeError, ValueError
        For non-integers or values below 1.

    Examples
    --------
    >>> stage_shapes()["layer3"], stage_shapes()["flatten"]
    ((256, 8, 8), (512,))
    """
    w = as_int(width, "width", minimum=1)
    n = as_int(side, "side", minimum=1)
    k = _channels(classes, "classes")
    shapes: dict[str, tuple[int, ...]] = {"stem": (w, n, n)}
    for name, multiple, stride in STAGES:
        n = conv_output_side(n, 3, stride, 1)
        shapes[name] = (multiple * w, n, n)
    shapes |= {"pool": (8 * w, 1, 1), "flatten": (8 * w,), "fc": (k,)}
    return shapes


def parameter_formula() -> dict[str, sympy.Expr]:
    """Count the trainable parameters of each part of ResNet-18 as polynomials in its sizes.

    In the symbols :data:`WIDTH` ``w``, :data:`CLASSES` ``K`` and :data:`CHANNELS` ``c``:
    a ``k × k`` convolution from ``a`` to ``b`` channels without bias has ``k^2 a b``
    weights, a batch norm over ``b`` channels has ``2 b`` (scale and shift; its running
    statistics are buffers, not parameters), a linear layer ``a → b`` has ``a b + b``.
    A block from ``a`` to ``b`` channels therefore has ``9ab + 2b + 9b^2 + 2b``, plus
    ``ab + 2b`` for a projection shortcut.

    Returns
    -------
    dict of sympy.Expr
        Keys ``stem``, ``layer1`` … ``layer4``, ``fc`` and ``total`` (their sum, expanded):
        ``2724 w^2 + (9c + 8K + 150) w + K``, which is 11,173,962 for ``w = 64``,
        ``K = 10``, ``c = 3``.

    Examples
    --------
    >>> parts = parameter_formula()
    >>> parts["layer2"]
    128*w**2 + 20*w
    >>> parts["total"].subs({WIDTH: 64, CLASSES: 10, CHANNELS: 3})
    11173962
    """
    w, K, c = WIDTH, CLASSES, CHANNELS

    def conv(k: int, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
        return k * k * a * b

    def block(a: sympy.Expr, b: sympy.Expr, projection: bool) -> sympy.Expr:
        count = conv(3, a, b) + 2 * b + conv(3, b, b) + 2 * b
        return count + (conv(1, a, b) + 2 * b if projection else 0)

    parts: dict[str, sympy.Expr] = {"stem": conv(3, c, w) + 2 * w}
    a = w
    for name, multiple, stride in STAGES:
        b = multiple * w
        parts[name] = sympy.expand(block(a, b, stride != 1 or multiple != 1) + block(b, b, False))
        a = b
    parts["fc"] = a * K + K
    parts["total"] = sympy.expand(sum(parts.values(), sympy.Integer(0)))
    return parts


def count_parameters(model: nn.Module, prefix: str = "") -> int:
    """Count the trainable parameters of ``model`` whose name starts with ``prefix``.

    Parameters
    ----------
    model
        Any torch module.
    prefix
        Only parameters named ``prefix...`` count (``"layer2."`` for one stage); ``""``
        counts all.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``model`` is not a module or ``prefix`` not a string.

    Examples
    --------
    >>> count_parameters(resnet18()), count_parameters(resnet18(), "layer2.")
    (11173962, 525568)
    """
    net = _model(model)
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string, got {type(prefix).__name__}")
    return sum(
        p.numel()
        for name, p in net.named_parameters()
        if p.requires_grad and name.startswith(prefix)
    )


# --------------------------------------------------------------------------- augmentation


def _batch(images: object) -> torch.Tensor:
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor, got {type(images).__name__}")
    if not images.is_floating_point():
        raise TypeError(f"images must be a floating-point tensor, got dtype {images.dtype}")
    if images.ndim != 4 or images.numel() == 0:
        raise ValueError(
            f"images must be a non-empty batch (N, C, H, W), got {tuple(images.shape)}"
        )
    if not bool(torch.isfinite(images).all()):
        raise ValueError("images must contain only finite numbers (found NaN or inf)")
    return images


def _generator(generator: object) -> torch.Generator:
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    return generator


def crop_at(
    images: torch.Tensor, top: torch.Tensor, left: torch.Tensor, padding: int = 4
) -> torch.Tensor:
    """Zero-pad each image by ``padding`` and cut the ``H × W`` window at ``(top, left)``.

    Image ``i`` of the result is ``pad(images[i])[:, top[i]:top[i] + H, left[i]:left[i] + W]``
    where ``pad`` adds ``padding`` zero rows and columns on every side. Offsets range
    over ``0 .. 2 padding``; ``top = left = padding`` gives back the image.

    Parameters
    ----------
    images
        Float batch ``(N, C, H, W)``.
    top, left
        Integer tensors ``(N,)`` with entries in ``0 .. 2 padding``.
    padding
        Border width ``>= 0``.

    Returns
    -------
    torch.Tensor
        A new batch with the shape of ``images``.

    Raises
    ------
    TypeError
        For non-tensor or non-float images, or non-integer offsets.
    ValueError
        For mis-shaped inputs or offsets out of range.

    Examples
    --------
    >>> x = torch.arange(4.0).reshape(1, 1, 2, 2)
    >>> crop_at(x, torch.tensor([0]), torch.tensor([1]), padding=1)
    tensor([[[[0., 0.],
              [0., 1.]]]])
    """
    x = _batch(images)
    p = as_int(
        padding, "padding", minimum=0, maximum=MAX_PADDING, limit_name="dlhw.resnet.MAX_PADDING"
    )
    offsets = []
    for name, value in (("top", top), ("left", left)):
        if not isinstance(value, torch.Tensor) or value.dtype not in (torch.int32, torch.int64):
            raise TypeError(f"{name} must be an integer torch.Tensor")
        if value.shape != (x.shape[0],):
            raise ValueError(f"{name} must have shape ({x.shape[0]},), got {tuple(value.shape)}")
        if bool((value < 0).any() or (value > 2 * p).any()):
            raise ValueError(f"{name} must lie in 0..{2 * p} (twice the padding)")
        offsets.append(value.long())
    n, _, height, width = x.shape
    padded = torch.nn.functional.pad(x, (p, p, p, p))
    rows = (offsets[0][:, None] + torch.arange(height))[:, :, None]  # (N, H, 1)
    cols = (offsets[1][:, None] + torch.arange(width))[:, None, :]  # (N, 1, W)
    batch = torch.arange(n)[:, None, None]
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous()


def crop_positions(side: int, size: int, padding: int = 0) -> int:
    """Count the positions of a ``size × size`` window in a padded ``side × side`` image.

    The window's top-left corner ranges over ``0 .. side + 2 padding - size`` in each
    direction, so there are ``(side + 2 padding - size + 1)^2`` positions. For
    ``size = side`` this is ``(2 padding + 1)^2``: 81 for padding 4 and a single position,
    the image itself, without padding.

    Parameters
    ----------
    side
        Side of the image, ``>= 1``.
    size
        Side of the window, ``1 .. side + 2 padding``.
    padding
        Zero border on each side, ``>= 0``.

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        For non-integers or values out of range.

    Examples
    --------
    >>> crop_positions(32, 32, padding=4), crop_positions(32, 32, padding=0)
    (81, 1)
    """
    n = as_int(side, "side", minimum=1)
    p = as_int(
        padding, "padding", minimum=0, maximum=MAX_PADDING, limit_name="dlhw.resnet.MAX_PADDING"
    )
    k = as_int(size, "size", minimum=1)
    if k > n + 2 * p:
        raise ValueError(f"size must be at most side + 2 padding = {n + 2 * p}, got {k}")
    return (n + 2 * p - k + 1) ** 2


def random_crop(images: torch.Tensor, generator: torch.Generator, padding: int = 4) -> torch.Tensor:
    """Random crop with zero padding, as ``torchvision.transforms.RandomCrop(H, padding)``.

    Each image gets its own offsets ``top, left`` drawn uniformly from ``0 .. 2 padding``
    (``(2 padding + 1)^2`` equally likely windows, 81 for padding 4). With ``padding = 0``
    the only window of size ``H × W`` is the image itself, so the crop does nothing.

    Parameters
    ----------
    images
        Float batch ``(N, C, H, W)``.
    generator
        The source of randomness.
    padding
        Border width ``>= 0``.

    Returns
    -------
    torch.Tensor

    Raises
    ------
    TypeError, ValueError
        As :func:`crop_at`, and ``TypeError`` if ``generator`` is not a ``torch.Generator``.

    Examples
    --------
    >>> x = torch.rand(5, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    >>> bool(torch.equal(random_crop(x, torch.Generator().manual_seed(1), padding=0), x))
    True
    """
    x = _batch(images)
    gen = _generator(generator)
    p = as_int(
        padding, "padding", minimum=0, maximum=MAX_PADDING, limit_name="dlhw.resnet.MAX_PADDING"
    )
    top, left = torch.randint(0, 2 * p + 1, (2, x.shape[0]), generator=gen)
    return crop_at(x, top, left, p)


def random_flip(
    images: torch.Tensor, generator: torch.Generator, probability: float = 0.5
) -> torch.Tensor:
    """Mirror each image left-right with ``probability``, independently.

    Parameters
    ----------
    images
        Float batch ``(N, C, H, W)``.
    generator
        The source of randomness.
    probability
        Chance of a flip, in ``[0, 1]``.

    Returns
    -------
    torch.Tensor

    Raises
    ------
    TypeError, ValueError
        For bad images, a non-generator, or a probability outside ``[0, 1]``.

    Examples
    --------
    >>> x = torch.arange(3.0).reshape(1, 1, 1, 3)
    >>> random_flip(x, torch.Generator().manual_seed(0), probability=1.0)
    tensor([[[[2., 1., 0.]]]])
    """
    x = _batch(images)
    gen = _generator(generator)
    q = as_positive_float(probability, "probability", allow_zero=True)
    if q > 1:
        raise ValueError(f"probability must be in [0, 1], got {q}")
    flip = torch.rand(x.shape[0], generator=gen) < q
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


# --------------------------------------------------------------------------- schedules

ScheduleKind = Literal["constant", "annealed", "warmup_cosine"]
#: The schedule kinds, in the order the book compares them.
SCHEDULES: tuple[ScheduleKind, ...] = ("constant", "annealed", "warmup_cosine")


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule, evaluated by :func:`learning_rate`.

    Attributes
    ----------
    kind
        ``"constant"``: ``lr_t = base_lr``. ``"annealed"``: each step multiplies the rate
        by ``decay``, ``lr_t = base_lr * decay^t`` (exponential decay per optimiser step).
        ``"warmup_cosine"`` (the "special" one): with ``W = floor(warmup * total)``
        warm-up steps, a linear warm-up ``lr_t = base_lr (t + 1) / (W + 1)`` for ``t < W``,
        then a cosine decay ``lr_t = base_lr (1 + cos(pi (t - W) / (total - W))) / 2``
        that would reach 0 at step ``total``.
    base_lr
        The starting (peak, for warm-up) rate, ``> 0``.
    decay
        Per-step factor of ``"annealed"``, in ``(0, 1]``.
    warmup
        Fraction of the steps spent warming up in ``"warmup_cosine"``, in ``[0, 1)``.

    Examples
    --------
    >>> Schedule("annealed", base_lr=0.1, decay=0.5)
    Schedule(kind='annealed', base_lr=0.1, decay=0.5, warmup=0.1)
    """

    kind: ScheduleKind = "warmup_cosine"
    base_lr: float = 0.05
    decay: float = 0.95
    warmup: float = 0.1


def _schedule(schedule: object) -> Schedule:
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule, got {type(schedule).__name__}")
    if schedule.kind not in SCHEDULES:
        raise ValueError(f"schedule kind must be one of {SCHEDULES}, got {schedule.kind!r}")
    as_positive_float(schedule.base_lr, "base_lr")
    decay = as_positive_float(schedule.decay, "decay")
    if decay > 1:
        raise ValueError(f"decay must be in (0, 1], got {decay}")
    warmup = as_positive_float(schedule.warmup, "warmup", allow_zero=True)
    if warmup >= 1:
        raise ValueError(f"warmup must be a fraction in [0, 1), got {warmup}")
    return schedule


def learning_rate(
    schedule: Schedule, step: int | ArrayLike, total: int
) -> float | NDArray[np.float64]:
    """Evaluate the learning rate of ``schedule`` at optimiser step ``step`` of ``total``.

    Step ``t`` counts from 0: ``lr_0`` is the rate of the first update. The values equal
    torch's ``ConstantLR(factor=1)``, ``ExponentialLR(decay)`` and, with
    ``W = floor(warmup * total)``, ``SequentialLR([LinearLR(1 / (W + 1), total_iters=W),
    CosineAnnealingLR(total - W)], milestones=[W])``.

    Parameters
    ----------
    schedule
        Which schedule and its settings.
    step
        A step or an array of steps, integers in ``0 .. total - 1``.
    total
        Number of optimiser steps of the run, ``1 ..`` :data:`MAX_STEPS`.

    Returns
    -------
    float or numpy.ndarray
        One rate, or an array with the shape of ``step``.

    Raises
    ------
    TypeError, ValueError
        For a bad schedule, non-integer or out-of-range steps.

    Examples
    --------
    >>> special = Schedule("warmup_cosine", base_lr=0.1, warmup=1 / 3)
    >>> learning_rate(special, np.arange(6), total=6).round(4)
    array([0.0333, 0.0667, 0.1   , 0.0854, 0.05  , 0.0146])
    >>> learning_rate(Schedule("annealed", base_lr=1.0, decay=0.5), 3, total=10)
    0.125
    """
    s = _schedule(schedule)
    T = as_int(total, "total", minimum=1)
    if T > MAX_STEPS:
        raise ValueError(f"total must be at most MAX_STEPS = {MAX_STEPS}, got {T}")
    if isinstance(step, bool | str | bytes) or step is None:
        raise TypeError(
            f"step must be an integer or an array of integers, got {type(step).__name__}"
        )
    try:
        t = np.asarray(step)
    except (TypeError, ValueError) as err:  # a ragged list
        raise ValueError(
            f"step must be an integer or a rectangular array of integers: {err}"
        ) from None
    if t.dtype == bool or t.dtype.kind not in "iu":
        raise TypeError(f"step must be an integer or an array of integers, got dtype {t.dtype}")
    if t.size and (t.min() < 0 or t.max() >= T):
        raise ValueError(f"step must lie in 0..{T - 1} (total={T})")
    t = t.astype(np.float64)
    if s.kind == "constant":
        rate = np.full_like(t, s.base_lr)
    elif s.kind == "annealed":
        rate = s.base_lr * s.decay**t
    else:
        W = math.floor(s.warmup * T)
        warm = s.base_lr * (t + 1) / (W + 1)
        cosine = s.base_lr * (1 + np.cos(math.pi * (t - W) / (T - W))) / 2
        rate = np.where(t < W, warm, cosine)
    return float(rate) if rate.ndim == 0 else rate


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainSettings:
    """Every setting of a training run of :func:`train`.

    Attributes
    ----------
    width
        Width of the ResNet-18 (64 is the real one; the book replays with 8).
    epochs
        Passes over the training images, ``1 ..`` :data:`MAX_EPOCHS`.
    batch_size
        Images per optimiser step; the last incomplete batch of an epoch is dropped.
    schedule
        The learning-rate schedule (its total is ``epochs * steps per epoch``).
    momentum, weight_decay
        Of ``torch.optim.SGD`` (momentum, L2 penalty on every parameter).
    augment
        Apply :func:`random_crop` (``padding``) and :func:`random_flip` to each batch.
    padding
        Padding of the random crop.
    train_subset, val_subset
        Use only the first images of each part (``None``: all of it).
    max_steps
        Stop after this many optimiser steps (``None``: run every epoch); for replays.
    seed
        Seeds the initialisation, the batch order and the augmentation.
    standin
        The stand-in data set's settings, used when ``cifar_path`` is ``None``.
    cifar_path
        Folder of a local CIFAR-10 copy to train on instead of the stand-in.
    threads
        torch's intra-op threads during the run (``None``: leave torch's setting); the
        previous setting is restored afterwards. One thread per process avoids
        oversubscription when several runs share the cores.

    Examples
    --------
    >>> TrainSettings(width=8).schedule.kind
    'warmup_cosine'
    """

    width: int = 64
    epochs: int = 1
    batch_size: int = 64
    schedule: Schedule = field(default_factory=Schedule)
    momentum: float = 0.9
    weight_decay: float = 5e-4
    augment: bool = True
    padding: int = 4
    train_subset: int | None = None
    val_subset: int | None = None
    max_steps: int | None = None
    seed: int = 0
    standin: StandIn = field(default_factory=StandIn)
    cifar_path: str | None = None
    threads: int | None = None


def _settings(settings: object) -> TrainSettings:
    if not isinstance(settings, TrainSettings):
        raise TypeError(f"settings must be a TrainSettings, got {type(settings).__name__}")
    epochs = as_int(settings.epochs, "epochs", minimum=1)
    if epochs > MAX_EPOCHS:
        raise ValueError(
            f"epochs must be at most MAX_EPOCHS = {MAX_EPOCHS}, got {epochs} "
            "(set dlhw.resnet.MAX_EPOCHS to train longer)"
        )
    as_int(settings.batch_size, "batch_size", minimum=1)
    _schedule(settings.schedule)
    momentum = as_positive_float(settings.momentum, "momentum", allow_zero=True)
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    as_positive_float(settings.weight_decay, "weight_decay", allow_zero=True)
    if not isinstance(settings.augment, bool):
        raise TypeError(f"augment must be a bool, got {type(settings.augment).__name__}")
    as_int(settings.padding, "padding", minimum=0)
    if settings.max_steps is not None:
        as_int(settings.max_steps, "max_steps", minimum=1)
    as_int(settings.seed, "seed", minimum=0)
    if settings.cifar_path is not None and not isinstance(settings.cifar_path, str):
        raise TypeError("cifar_path must be None or a string")
    if settings.threads is not None:
        as_int(settings.threads, "threads", minimum=1)
    return settings


def to_tensor(images: NDArray[np.uint8]) -> torch.Tensor:
    """Convert uint8 images ``(N, C, H, W)`` to a float32 tensor on the scale ``[0, 1]``.

    Parameters
    ----------
    images
        uint8 numpy array of shape ``(N, C, H, W)``.

    Returns
    -------
    torch.Tensor

    Raises
    ------
    TypeError, ValueError
        If ``images`` is not a non-empty 4-D uint8 array.

    Examples
    --------
    >>> to_tensor(np.full((1, 3, 2, 2), 255, dtype=np.uint8)).max()
    tensor(1.)
    """
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        raise TypeError("images must be a uint8 numpy array")
    if images.ndim != 4 or images.size == 0:
        raise ValueError(f"images must be a non-empty array (N, C, H, W), got {images.shape}")
    return torch.from_numpy(images.astype(np.float32) / 255.0)


def _evaluate(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch: int
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` in evaluation mode."""
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for first in range(0, len(labels), batch):
            logits = model(images[first : first + batch])
            target = labels[first : first + batch]
            loss += float(nn.functional.cross_entropy(logits, target, reduction="sum"))
            correct += int((logits.argmax(dim=1) == target).sum())
    model.train()
    return loss / len(labels), correct / len(labels)


class _Batches:
    """The tensors of a run: scaled images, labels, and the training normalisation."""

    def __init__(self, s: TrainSettings) -> None:
        data: ImageData = (
            digits_standin(s.standin) if s.cifar_path is None else load_cifar10(s.cifar_path)
        )
        data = subset(data, s.train_subset, s.val_subset)
        self.classes = len(data.classes)
        self.x_train, self.y_train = (
            to_tensor(data.train_images),
            torch.from_numpy(data.train_labels),
        )
        self.mean = self.x_train.mean(dim=(0, 2, 3), keepdim=True)
        self.std = self.x_train.std(dim=(0, 2, 3), keepdim=True)
        self.x_val = (to_tensor(data.val_images) - self.mean) / self.std
        self.y_val = torch.from_numpy(data.val_labels)


def train(settings: TrainSettings | None = None) -> dict[str, NDArray[np.float64] | float]:
    """Train a ResNet-18 with SGD and return its curves; every choice is in ``settings``.

    The images are scaled to ``[0, 1]``, augmented (if ``settings.augment``) and then
    normalised by the per-channel mean and standard deviation of the training part.
    Each epoch visits the training images in a fresh random order in batches of
    ``batch_size`` and takes one SGD step (momentum, weight decay) per batch with the
    schedule's rate for that step; the loss is the cross-entropy. The validation part
    is scored in evaluation mode before training and after every epoch (also after a
    last epoch cut short by ``max_steps``).

    Parameters
    ----------
    settings
        The run's settings; ``None`` means ``TrainSettings()``.

    Returns
    -------
    dict
        ``lr``, ``train_loss``, ``train_accuracy``: one entry per optimiser step (the
        rate used, and the mean loss and accuracy of the step's batch before the update);
        ``epoch`` (``0, 1, ...``), ``val_loss``, ``val_accuracy``: one entry per
        evaluation, the first before training; ``epoch_seconds``: wall time of each
        epoch's training (without its evaluation); floats ``final_val_accuracy``,
        ``best_val_accuracy``, ``parameters``, ``train_size``, ``val_size``,
        ``steps_per_epoch`` and ``seconds`` (the whole run).

    Raises
    ------
    TypeError, ValueError
        For bad settings (each names the setting), or a batch larger than the training set.

    Examples
    --------
    >>> quick = TrainSettings(width=4, train_subset=128, val_subset=64, batch_size=32)
    >>> run = train(quick)
    >>> run["lr"].shape, run["val_accuracy"].shape, run["parameters"]
    ((4,), (2,), 44622.0)
    >>> bool(np.array_equal(train(quick)["train_loss"], run["train_loss"]))
    True
    """
    s = _settings(TrainSettings() if settings is None else settings)
    if s.threads is None:
        return _train(s)
    previous = torch.get_num_threads()
    torch.set_num_threads(s.threads)
    try:
        return _train(s)
    finally:
        torch.set_num_threads(previous)


def _train(s: TrainSettings) -> dict[str, NDArray[np.float64] | float]:
    """Run :func:`train` on validated settings."""
    data = _Batches(s)
    n = len(data.y_train)
    if s.batch_size > n:
        raise ValueError(
            f"batch_size must be at most the training set's size {n}, got {s.batch_size}"
        )
    per_epoch = n // s.batch_size
    total = per_epoch * s.epochs
    if total > MAX_STEPS:
        raise ValueError(f"epochs * steps per epoch = {total} exceeds MAX_STEPS = {MAX_STEPS}")
    steps = total if s.max_steps is None else min(total, s.max_steps)
    rates = np.asarray(learning_rate(s.schedule, np.arange(total), total))
    model = resnet18(s.width, data.classes, data.x_train.shape[1], seed=s.seed)
    gen = torch.Generator().manual_seed(s.seed)
    optimiser = torch.optim.SGD(
        model.parameters(), lr=float(rates[0]), momentum=s.momentum, weight_decay=s.weight_decay
    )
    curves: dict[str, list[float]] = {
        key: []
        for key in ("train_loss", "train_accuracy", "epoch_seconds", "val_loss", "val_accuracy")
    }

    def evaluate() -> None:
        loss, acc = _evaluate(model, data.x_val, data.y_val, 256)
        curves["val_loss"].append(loss)
        curves["val_accuracy"].append(acc)

    start = time.perf_counter()
    evaluate()
    step = 0
    while step < steps:
        tic = time.perf_counter()
        order = torch.randperm(n, generator=gen)
        for k in range(min(per_epoch, steps - step)):
            index = order[k * s.batch_size : (k + 1) * s.batch_size]
            x = data.x_train[index]
            if s.augment:
                x = random_flip(random_crop(x, gen, s.padding), gen)
            logits = model((x - data.mean) / data.std)
            loss = nn.functional.cross_entropy(logits, data.y_train[index])
            for group in optimiser.param_groups:
                group["lr"] = float(rates[step])
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            curves["train_loss"].append(loss.item())
            curves["train_accuracy"].append(
                (logits.argmax(dim=1) == data.y_train[index]).float().mean().item()
            )
            step += 1
        curves["epoch_seconds"].append(time.perf_counter() - tic)
        evaluate()
    out: dict[str, NDArray[np.float64] | float] = {k: np.array(v) for k, v in curves.items()}
    return out | {
        "lr": rates[:steps],
        "epoch": np.arange(len(curves["val_accuracy"]), dtype=np.float64),
        "final_val_accuracy": curves["val_accuracy"][-1],
        "best_val_accuracy": max(curves["val_accuracy"]),
        "parameters": float(count_parameters(model)),
        "train_size": float(n),
        "val_size": float(len(data.y_val)),
        "steps_per_epoch": float(per_epoch),
        "seconds": time.perf_counter() - start,
    }


def compare_schedules(
    settings: TrainSettings | None = None, kinds: Sequence[ScheduleKind] = SCHEDULES
) -> dict[str, dict[str, NDArray[np.float64] | float]]:
    """Train once per schedule kind, all else equal (the same seed, data and base rate).

    Parameters
    ----------
    settings
        The common settings; only ``settings.schedule.kind`` changes.
    kinds
        The schedules to compare.

    Returns
    -------
    dict
        ``kind -> train(...)`` result.

    Raises
    ------
    TypeError, ValueError
        For bad settings or unknown kinds.

    Examples
    --------
    >>> quick = TrainSettings(width=2, train_subset=64, val_subset=32, batch_size=32)
    >>> sorted(compare_schedules(quick))
    ['annealed', 'constant', 'warmup_cosine']
    """
    s = _settings(TrainSettings() if settings is None else settings)
    if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
        raise TypeError(f"kinds must be a non-empty sequence of {SCHEDULES}")
    for kind in kinds:
        if kind not in SCHEDULES:
            raise ValueError(f"kinds must be among {SCHEDULES}, got {kind!r}")
    return {kind: train(replace_schedule(s, kind)) for kind in kinds}


def replace_schedule(settings: TrainSettings, kind: ScheduleKind) -> TrainSettings:
    """Return a copy of ``settings`` whose schedule has ``kind`` (other fields kept).

    Parameters
    ----------
    settings
        The settings to copy.
    kind
        One of :data:`SCHEDULES`.

    Returns
    -------
    TrainSettings

    Raises
    ------
    TypeError, ValueError
        For bad settings or an unknown kind.

    Examples
    --------
    >>> replace_schedule(TrainSettings(), "constant").schedule.kind
    'constant'
    """
    s = _settings(settings)
    if kind not in SCHEDULES:
        raise ValueError(f"kind must be one of {SCHEDULES}, got {kind!r}")
    return replace(s, schedule=replace(s.schedule, kind=kind))
