"""CIFAR-10 images: a loader for the real files and the stand-in the book runs on.

CIFAR-10 holds 60,000 colour images of 32 × 32 pixels in 10 classes, 50,000 for
training and 10,000 for validation. Its "python version" is a folder of pickled
dictionaries: ``data_batch_1`` … ``data_batch_5`` and ``test_batch`` each hold ``data``
(uint8, shape ``(N, 3072)``: per row the red plane, then green, then blue, each plane
32 rows of 32 pixels) and ``labels`` (``N`` integers in ``0..9``); ``batches.meta``
holds ``label_names``. :func:`load_cifar10` reads such a folder when a local copy exists.

The data set cannot be downloaded where the book is built, so the chapter runs on a
stand-in made from scikit-learn's bundled handwritten digits (1,797 grey images of
8 × 8 pixels, 10 classes): :func:`digits_standin` turns each digit into a 3 × 32 × 32
colour image with a documented, seeded transformation. It has CIFAR-10's format and
number of classes, not its content: the classes are the digits 0–9.

Both return an :class:`ImageData`: uint8 images of shape ``(N, 3, 32, 32)`` and int64
labels, already split into a training and a validation part.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from sklearn.datasets import load_digits  # type: ignore[import-untyped, unused-ignore]

from dlhw.validation import as_generator, as_int, as_positive_float

#: The CIFAR-10 class names, in label order.
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
#: Side of a CIFAR-10 image in pixels.
SIDE = 32
#: The training files of the python version, in order.
TRAIN_FILES = tuple(f"data_batch_{k}" for k in range(1, 6))

# Only these globals may be loaded from a pickle: what a pickled dict of lists and
# numpy arrays needs (pickles written by numpy 1 name ``numpy.core``, numpy 2
# ``numpy._core``). Anything else is refused, so a hostile file cannot run code.
_ALLOWED_GLOBALS = {
    ("_codecs", "encode"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}


@dataclass(frozen=True)
class ImageData:
    """Colour images and labels, split into training and validation parts.

    Attributes
    ----------
    train_images, val_images
        uint8 arrays of shape ``(N, 3, 32, 32)`` (channels red, green, blue).
    train_labels, val_labels
        int64 arrays of shape ``(N,)`` with entries in ``0 .. len(classes) - 1``.
    classes
        The class names, in label order.
    source
        Where the images come from (a sentence for the chapter).

    Examples
    --------
    >>> data = digits_standin()
    >>> data.train_images.shape, data.val_images.shape, data.classes[:3]
    ((1500, 3, 32, 32), (297, 3, 32, 32), ('0', '1', '2'))
    """

    train_images: NDArray[np.uint8]
    train_labels: NDArray[np.int64]
    val_images: NDArray[np.uint8]
    val_labels: NDArray[np.int64]
    classes: tuple[str, ...]
    source: str


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR file")
        return super().find_class(module, name)


def _text(value: object) -> object:
    return value.decode("latin1") if isinstance(value, bytes) else value


def _read_pickle(file: Path) -> dict[str, Any]:
    """Read one pickled dictionary, with keys as ``str`` (CIFAR's are bytes)."""
    if not file.is_file():
        raise ValueError(f"path is missing the CIFAR-10 file {file.name} (looked for {file})")
    try:
        with file.open("rb") as handle:
            content = _RestrictedUnpickler(handle, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as err:
        raise ValueError(f"{file} is not a CIFAR-10 python batch: {err}") from None
    if isinstance(content, dict):
        return {str(_text(key)): value for key, value in content.items()}
    raise ValueError(f"{file} must hold a dict (a CIFAR-10 batch), got {type(content).__name__}")


def _read_batch(file: Path, classes: int) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Images ``(N, 3, 32, 32)`` and labels ``(N,)`` of one batch file, checked."""
    batch = _read_pickle(file)
    if "data" not in batch or "labels" not in batch:
        raise ValueError(f"{file} must have the keys 'data' and 'labels', got {sorted(batch)}")
    data = batch["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8:
        raise ValueError(f"{file}: data must be a uint8 array, got {type(data).__name__}")
    if data.ndim != 2 or data.shape[1] != 3 * SIDE * SIDE:
        raise ValueError(f"{file}: data must have shape (N, 3072), got {data.shape}")
    try:
        labels = np.asarray(batch["labels"])
    except ValueError:  # ragged nested lists
        labels = np.asarray([])
    if labels.shape != (data.shape[0],) or labels.dtype.kind not in "iu":
        raise ValueError(
            f"{file}: labels must be {data.shape[0]} integers (one per image), "
            f"got shape {labels.shape} and dtype {labels.dtype}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"{file}: labels must lie in 0..{classes - 1}")
    return data.reshape(-1, 3, SIDE, SIDE), labels.astype(np.int64)


def load_cifar10(path: str | Path) -> ImageData:
    """Read a local copy of CIFAR-10 in its python format (the ``cifar-10-batches-py`` folder).

    Parameters
    ----------
    path
        The folder holding ``data_batch_1`` … ``data_batch_5``, ``test_batch`` and
        ``batches.meta``. Files are unpickled with a restricted unpickler that only
        accepts dictionaries, lists and numpy arrays.

    Returns
    -------
    ImageData
        The five training batches concatenated in order (50,000 images for the real
        data set) and ``test_batch`` as the validation part.

    Raises
    ------
    TypeError
        If ``path`` is not a string or a path.
    ValueError
        If the folder or a file is missing, or a file does not have the CIFAR-10 layout.

    Examples
    --------
    >>> load_cifar10("/no/such/folder")
    Traceback (most recent call last):
    ...
    ValueError: path must be an existing folder with the CIFAR-10 batches, got /no/such/folder
    """
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a string or a pathlib.Path, got {type(path).__name__}")
    folder = Path(path)
    if not folder.is_dir():
        raise ValueError(f"path must be an existing folder with the CIFAR-10 batches, got {path}")
    meta = _read_pickle(folder / "batches.meta")
    names = meta.get("label_names")
    if not isinstance(names, list) or not names:
        raise ValueError(f"{folder / 'batches.meta'} must hold a non-empty list 'label_names'")
    classes = tuple(str(_text(name)) for name in names)
    parts = [_read_batch(folder / name, len(classes)) for name in TRAIN_FILES]
    val_images, val_labels = _read_batch(folder / "test_batch", len(classes))
    return ImageData(
        train_images=np.concatenate([images for images, _ in parts]),
        train_labels=np.concatenate([labels for _, labels in parts]),
        val_images=val_images,
        val_labels=val_labels,
        classes=classes,
        source=f"CIFAR-10, read from {folder}",
    )


@dataclass(frozen=True)
class StandIn:
    """Settings of the digits stand-in for CIFAR-10 (see :func:`digits_standin`).

    Attributes
    ----------
    digit_size
        Side in pixels of the upsampled digit, ``8 .. 32``.
    max_shift
        Largest offset of the digit inside the 32 × 32 canvas; ``digit_size + max_shift``
        must be at most 32 so the digit stays whole.
    background
        Largest brightness of the background relative to the digit's colour, in ``[0, 1)``.
    noise
        Standard deviation of the Gaussian pixel noise, on the ``[0, 1]`` intensity scale.
    validation
        Number of images held out for validation (the rest are for training).
    seed
        Seeds the split, the positions, the colours and the noise.

    Examples
    --------
    >>> StandIn().digit_size, StandIn().validation
    (24, 297)
    """

    digit_size: int = 24
    max_shift: int = 8
    background: float = 0.3
    noise: float = 0.05
    validation: int = 297
    seed: int = 0


def _check_standin(settings: object) -> StandIn:
    if not isinstance(settings, StandIn):
        raise TypeError(f"settings must be a StandIn, got {type(settings).__name__}")
    size = as_int(settings.digit_size, "digit_size", minimum=8)
    shift = as_int(settings.max_shift, "max_shift", minimum=0)
    if size + shift > SIDE:
        raise ValueError(
            f"digit_size + max_shift must be <= {SIDE} so the digit fits, got {size} + {shift}"
        )
    background = as_positive_float(settings.background, "background", allow_zero=True)
    if background >= 1:
        raise ValueError(f"background must be < 1 so the digit is visible, got {background}")
    as_positive_float(settings.noise, "noise", allow_zero=True)
    as_int(settings.validation, "validation", minimum=1)
    as_int(settings.seed, "seed", minimum=0)
    return settings


def digits_standin(settings: StandIn | None = None) -> ImageData:
    """Build the CIFAR-10 stand-in from scikit-learn's 8 × 8 digits as 3 × 32 × 32 colour images.

    This is *not* CIFAR-10: the images are handwritten digits and the classes are
    ``'0'`` … ``'9'``. It has CIFAR-10's format (uint8 RGB, 32 × 32, 10 classes) and a
    few of its nuisances (position, colour, brightness, noise), so the same code runs on
    both. Each of the 1,797 images of ``sklearn.datasets.load_digits`` (intensities
    ``g`` in ``0..16``) is transformed as follows, with one random stream seeded by
    ``settings.seed``:

    1. scale ``g / 16`` to ``[0, 1]`` and upsample it bilinearly to ``digit_size`` pixels;
    2. paste it into a black 32 × 32 canvas at an offset drawn uniformly from
       ``0 .. max_shift`` in each direction;
    3. colour it: draw ``u`` uniform on ``[0, 1]^3`` and set the digit's colour to
       ``c = u / max(u)`` (its brightest channel is 1) and the background's to ``s c``
       with ``s`` uniform on ``[0, background]``; a pixel of canvas value ``t`` becomes
       ``s c + t (1 - s) c``;
    4. add Gaussian noise of standard deviation ``noise``, clip to ``[0, 1]``, round to
       uint8 (``0 .. 255``).

    A random permutation of the images then puts ``validation`` of them in the
    validation part and the rest in the training part.

    Parameters
    ----------
    settings
        The transformation's settings; ``None`` means ``StandIn()``.

    Returns
    -------
    ImageData

    Raises
    ------
    TypeError
        If ``settings`` is not a :class:`StandIn` or a setting has the wrong type.
    ValueError
        If a setting is out of range (the digit does not fit, ``validation`` leaves no
        training image, ...).

    Examples
    --------
    >>> data = digits_standin()
    >>> data.train_images.dtype, data.train_images.shape, data.train_labels[:5]
    (dtype('uint8'), (1500, 3, 32, 32), array([6, 2, 1, 2, 4]))
    >>> bool(np.array_equal(digits_standin().val_images, data.val_images))
    True
    """
    s = _check_standin(StandIn() if settings is None else settings)
    digits = load_digits()
    n = len(digits.target)
    if s.validation >= n:
        raise ValueError(f"validation must be < {n} (the number of digits), got {s.validation}")
    rng = as_generator(s.seed)
    grey = torch.from_numpy(digits.images / 16.0)[:, None]
    small = torch.nn.functional.interpolate(
        grey, size=(s.digit_size, s.digit_size), mode="bilinear", align_corners=False
    )[:, 0].numpy()
    top, left = rng.integers(0, s.max_shift + 1, size=(2, n))
    rows = top[:, None] + np.arange(s.digit_size)
    cols = left[:, None] + np.arange(s.digit_size)
    canvas = np.zeros((n, SIDE, SIDE))
    canvas[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]] = small
    u = rng.uniform(size=(n, 3))
    colour = u / u.max(axis=1, keepdims=True)
    shade = rng.uniform(0, s.background, size=(n, 1))
    background = shade * colour
    images = (
        background[:, :, None, None] + (colour - background)[:, :, None, None] * canvas[:, None]
    )
    images += s.noise * rng.normal(size=images.shape)
    pixels = np.round(255 * np.clip(images, 0, 1)).astype(np.uint8)
    labels = digits.target.astype(np.int64)
    order = rng.permutation(n)
    train, val = order[s.validation :], order[: s.validation]
    return ImageData(
        train_images=pixels[train],
        train_labels=labels[train],
        val_images=pixels[val],
        val_labels=labels[val],
        classes=tuple(str(k) for k in range(10)),
        source=(
            "scikit-learn's 8x8 handwritten digits, upsampled, shifted and coloured to "
            f"3x32x32 ({s})"
        ),
    )


def images_as_features(images: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Flatten uint8 images ``(N, 3, 32, 32)`` to rows ``(N, 3072)`` on the scale ``[0, 1]``.

    The order of the entries in a row is CIFAR-10's: the red plane, then green, then
    blue, each row-major; so the rows are the files' ``data`` rows divided by 255.

    Parameters
    ----------
    images
        uint8 array of shape ``(N, C, H, W)`` with ``N >= 1``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(N, C * H * W)``.

    Raises
    ------
    TypeError
        If ``images`` is not a uint8 numpy array.
    ValueError
        If ``images`` is not 4-dimensional or is empty.

    Examples
    --------
    >>> images = np.arange(24, dtype=np.uint8).reshape(1, 3, 2, 4)
    >>> images_as_features(images)[0, [0, 8, 23]] * 255
    array([ 0.,  8., 23.])
    """
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        kind = images.dtype if isinstance(images, np.ndarray) else type(images).__name__
        raise TypeError(f"images must be a uint8 numpy array, got {kind}")
    if images.ndim != 4 or images.size == 0:
        raise ValueError(f"images must be a non-empty array (N, C, H, W), got {images.shape}")
    return images.reshape(len(images), -1) / 255.0


def subset(data: ImageData, train: int | None = None, val: int | None = None) -> ImageData:
    """Keep the first ``train`` training and first ``val`` validation images of ``data``.

    Both parts are already in random order, so a prefix is a random subset.

    Parameters
    ----------
    data
        The images to take from.
    train, val
        Sizes of the two parts, ``1 ..`` their length; ``None`` keeps a part whole.

    Returns
    -------
    ImageData

    Raises
    ------
    TypeError
        If ``data`` is not an :class:`ImageData` or a size is not an integer.
    ValueError
        If a size is below 1 or larger than its part.

    Examples
    --------
    >>> small = subset(digits_standin(), 128, 64)
    >>> len(small.train_labels), len(small.val_labels)
    (128, 64)
    """
    if not isinstance(data, ImageData):
        raise TypeError(f"data must be an ImageData, got {type(data).__name__}")
    sizes = []
    for name, size, total in (
        ("train", train, len(data.train_labels)),
        ("val", val, len(data.val_labels)),
    ):
        count = total if size is None else as_int(size, name, minimum=1)
        if count > total:
            raise ValueError(f"{name} must be at most {total} (the part's size), got {count}")
        sizes.append(count)
    return ImageData(
        train_images=data.train_images[: sizes[0]],
        train_labels=data.train_labels[: sizes[0]],
        val_images=data.val_images[: sizes[1]],
        val_labels=data.val_labels[: sizes[1]],
        classes=data.classes,
        source=data.source,
    )
