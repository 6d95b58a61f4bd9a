"""The CIFAR-10 loader on files written in the real format, and the digits stand-in."""

from __future__ import annotations

import os
import pickle
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits

from dlhw import cifar

NAMES = [name.encode() for name in cifar.CIFAR10_CLASSES]


def batch_bytes(data: np.ndarray, labels: list[int], *, legacy: bool = True) -> bytes:
    """A batch as CIFAR-10 ships it: a protocol-2 pickle of a dict with bytes keys.

    The real files were written by Python 2, whose pickles name ``numpy.core.multiarray``;
    ``legacy`` rewrites the numpy 2 module name to that one.
    """
    content = {
        b"batch_label": b"testing batch 1 of 1",
        b"labels": labels,
        b"data": data,
        b"filenames": [f"image_{k}.png".encode() for k in range(len(labels))],
    }
    raw = pickle.dumps(content, protocol=2)
    if legacy:
        raw = raw.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    return raw


def write_cifar(folder: Path, per_batch: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    """Write a tiny CIFAR-10 folder; return the rows and labels that were written."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows, labels = [], []
    for name in [*cifar.TRAIN_FILES, "test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        y = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        (folder / name).write_bytes(batch_bytes(data, y, legacy=name != "data_batch_2"))
        rows.append(data)
        labels.append(y)
    meta = {b"label_names": NAMES, b"num_cases_per_batch": per_batch, b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return {
        "train_rows": np.concatenate(rows[:5]),
        "train_labels": np.concatenate(labels[:5]),
        "val_rows": rows[5],
        "val_labels": np.array(labels[5]),
    }


# --------------------------------------------------------------------------- loader


def test_loader_round_trip(tmp_path: Path) -> None:
    written = write_cifar(tmp_path / "cifar-10-batches-py")
    data = cifar.load_cifar10(tmp_path / "cifar-10-batches-py")
    assert data.classes == cifar.CIFAR10_CLASSES
    assert data.train_images.shape == (15, 3, 32, 32)
    assert data.train_images.dtype == np.uint8
    assert np.array_equal(data.train_labels, written["train_labels"])
    assert np.array_equal(data.val_labels, written["val_labels"])
    # Each pixel by the format's definition: channel plane, then row, then column.
    rows = written["train_rows"]
    i, c, r, col = np.meshgrid(
        np.arange(15), np.arange(3), np.arange(32), np.arange(32), indexing="ij"
    )
    assert np.array_equal(data.train_images, rows[i, c * 1024 + r * 32 + col])
    # Features are the file rows again, on the scale [0, 1].
    assert np.array_equal(cifar.images_as_features(data.val_images) * 255, written["val_rows"])
    assert "CIFAR-10" in data.source


def test_loader_accepts_a_string_path(tmp_path: Path) -> None:
    write_cifar(tmp_path)
    assert len(cifar.load_cifar10(str(tmp_path)).val_labels) == 3


def test_loader_refuses_code_in_a_pickle(tmp_path: Path) -> None:
    write_cifar(tmp_path)

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, ("echo hacked",))

    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": Evil()}, protocol=2))
    with pytest.raises(ValueError, match="refusing to load"):
        cifar.load_cifar10(tmp_path)


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda p: (p / "data_batch_3").unlink(), "missing the CIFAR-10 file data_batch_3"),
        (lambda p: (p / "batches.meta").unlink(), "batches.meta"),
        (lambda p: (p / "test_batch").write_bytes(b"not a pickle"), "not a CIFAR-10 python batch"),
        (lambda p: (p / "test_batch").write_bytes(pickle.dumps([1, 2])), "must hold a dict"),
        (
            lambda p: (p / "test_batch").write_bytes(
                batch_bytes(np.zeros((2, 3071), np.uint8), [0, 1])
            ),
            r"shape \(N, 3072\)",
        ),
        (
            lambda p: (p / "test_batch").write_bytes(
                batch_bytes(np.zeros((2, 3072), np.float32), [0, 1])
            ),
            "uint8",
        ),
        (
            lambda p: (p / "test_batch").write_bytes(
                batch_bytes(np.zeros((2, 3072), np.uint8), [0])
            ),
            "one per image",
        ),
        (
            lambda p: (p / "test_batch").write_bytes(
                batch_bytes(np.zeros((2, 3072), np.uint8), [0, 10])
            ),
            r"labels must lie in 0\.\.9",
        ),
        (
            lambda p: (p / "data_batch_1").write_bytes(pickle.dumps({b"labels": [1]}, protocol=2)),
            "'data' and 'labels'",
        ),
        (
            lambda p: (p / "batches.meta").write_bytes(pickle.dumps({b"label_names": []})),
            "label_names",
        ),
    ],
)
def test_loader_rejects_damaged_folders(tmp_path: Path, damage, match: str) -> None:
    write_cifar(tmp_path)
    damage(tmp_path)
    with pytest.raises(ValueError, match=match):
        cifar.load_cifar10(tmp_path)


def test_loader_bad_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="existing folder"):
        cifar.load_cifar10(tmp_path / "absent")
    with pytest.raises(TypeError, match="path must be a string"):
        cifar.load_cifar10(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path must be a string"):
        cifar.load_cifar10(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- stand-in


@pytest.fixture(scope="module")
def standin() -> cifar.ImageData:
    return cifar.digits_standin()


def test_standin_format(standin: cifar.ImageData) -> None:
    assert standin.train_images.shape == (1500, 3, 32, 32)
    assert standin.val_images.shape == (297, 3, 32, 32)
    assert standin.train_images.dtype == np.uint8
    assert standin.classes == tuple("0123456789")
    assert "digits" in standin.source
    # Every digit is used once: the label counts are those of load_digits.
    both = np.concatenate([standin.train_labels, standin.val_labels])
    assert Counter(both.tolist()) == Counter(load_digits().target.tolist())


def test_standin_is_seeded(standin: cifar.ImageData) -> None:
    again = cifar.digits_standin(cifar.StandIn())
    assert np.array_equal(again.train_images, standin.train_images)
    assert np.array_equal(again.val_labels, standin.val_labels)
    other = cifar.digits_standin(cifar.StandIn(seed=1))
    assert not np.array_equal(other.train_labels, standin.train_labels)


def all_images(data: cifar.ImageData) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.concatenate([data.train_images, data.val_images]),
        np.concatenate([data.train_labels, data.val_labels]),
    )


def test_standin_without_nuisances_is_the_digits_in_colour() -> None:
    # No upsampling, no shift, no noise, black background: the image is round(255 c g / 16)
    # in the top-left 8 x 8 block, and the brightest channel (c = 1) is round(255 g / 16).
    plain = cifar.StandIn(digit_size=8, max_shift=0, background=0.0, noise=0.0)
    images, labels = all_images(cifar.digits_standin(plain))
    assert not images[:, :, 8:, :].any()
    assert not images[:, :, :, 8:].any()
    bright = images[:, :, :8, :8].max(axis=1)
    digits = load_digits()
    expected = np.round(255 * digits.images / 16).astype(np.uint8)

    def key(block: np.ndarray, label: int) -> tuple[int, bytes]:
        return int(label), block.tobytes()

    assert Counter(map(key, bright, labels)) == Counter(map(key, expected, digits.target))


def test_standin_places_each_digit_at_an_allowed_offset() -> None:
    # With a black background and no noise, every image is a digit of its class pasted
    # at some offset (top, left) in 0..max_shift: search all offsets exhaustively.
    shift = 5
    shifted = cifar.StandIn(digit_size=8, max_shift=shift, background=0.0, noise=0.0)
    images, labels = all_images(cifar.digits_standin(shifted))
    digits = load_digits()
    known = {
        (int(t), np.round(255 * g / 16).astype(np.uint8).tobytes())
        for g, t in zip(digits.images, digits.target, strict=True)
    }
    bright = images.max(axis=1)
    at_origin = 0
    for picture, label in zip(bright, labels, strict=True):
        offsets = [
            (top, left)
            for top in range(shift + 1)
            for left in range(shift + 1)
            if picture[top : top + 8, left : left + 8].sum() == picture.sum()
            and (int(label), picture[top : top + 8, left : left + 8].tobytes()) in known
        ]
        assert offsets, "a stand-in image is not a pasted digit of its class"
        at_origin += (0, 0) in offsets
    assert at_origin < len(labels) / 4  # the digits really moved


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"digit_size": 30, "max_shift": 8}, ValueError, "digit_size \\+ max_shift"),
        ({"digit_size": 4}, ValueError, "digit_size must be >= 8"),
        ({"digit_size": True}, TypeError, "digit_size"),
        ({"digit_size": 24.0}, TypeError, "digit_size"),
        ({"max_shift": -1}, ValueError, "max_shift"),
        ({"background": 1.0}, ValueError, "background must be < 1"),
        ({"background": -0.1}, ValueError, "background"),
        ({"noise": float("nan")}, ValueError, "noise"),
        ({"noise": "0.1"}, TypeError, "noise"),
        ({"validation": 1797}, ValueError, "validation must be < 1797"),
        ({"validation": 0}, ValueError, "validation"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_standin_bad_settings(
    kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        cifar.digits_standin(cifar.StandIn(**kwargs))  # type: ignore[arg-type]


def test_standin_settings_type() -> None:
    with pytest.raises(TypeError, match="settings must be a StandIn"):
        cifar.digits_standin({"seed": 0})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- helpers


def test_subset_takes_prefixes(standin: cifar.ImageData) -> None:
    small = cifar.subset(standin, 10, 5)
    assert np.array_equal(small.train_images, standin.train_images[:10])
    assert np.array_equal(small.val_labels, standin.val_labels[:5])
    whole = cifar.subset(standin)
    assert len(whole.train_labels) == 1500


@given(
    st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=1501),
        st.floats(),
        st.booleans(),
        st.text(max_size=3),
    )
)
@settings(max_examples=40, deadline=None)
def test_subset_bad_sizes_name_the_argument(size: object) -> None:
    data = cifar.subset(cifar.digits_standin(), 1500, 297)
    with pytest.raises((TypeError, ValueError), match="train"):
        cifar.subset(data, size, None)  # type: ignore[arg-type]


def test_subset_bad_data() -> None:
    with pytest.raises(TypeError, match="data must be an ImageData"):
        cifar.subset(np.zeros((3, 3, 32, 32)), 1, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("images", "error", "match"),
    [
        (np.zeros((2, 3, 4, 4)), TypeError, "uint8"),
        ([[1, 2]], TypeError, "uint8"),
        (np.zeros((2, 16), np.uint8), ValueError, r"\(N, C, H, W\)"),
        (np.zeros((0, 3, 4, 4), np.uint8), ValueError, "non-empty"),
    ],
)
def test_features_bad_images(images: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        cifar.images_as_features(images)  # type: ignore[arg-type]
