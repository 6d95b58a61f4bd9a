"""ResNet-18: shapes, parameter count, augmentation, schedules (against torch), training."""

from __future__ import annotations

import itertools
import math
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw import resnet
from dlhw.cifar import TRAIN_FILES
from dlhw.resnet import CHANNELS, CLASSES, WIDTH

# --------------------------------------------------------------------------- shapes

TOP_LEVEL = ["stem", "layer1", "layer2", "layer3", "layer4", "pool", "flatten", "fc"]


def top_level_shapes(model: torch.nn.Module, side: int = 32, channels: int = 3) -> dict:
    return {
        name: shape
        for name, _, shape in resnet.layer_shapes(model, side, channels)
        if name in TOP_LEVEL
    }


def test_resnet18_shapes_layer_by_layer() -> None:
    model = resnet.resnet18()
    records = resnet.layer_shapes(model)
    shapes = {name: shape for name, _, shape in records}
    assert top_level_shapes(model) == resnet.stage_shapes()
    assert shapes["layer1.0.conv1"] == (64, 32, 32)
    assert shapes["layer2.0.conv1"] == (128, 16, 16)  # the stride-2 convolution halves
    assert shapes["layer2.0.shortcut.0"] == (128, 16, 16)  # 1 x 1 projection
    assert shapes["layer3.1.bn2"] == (256, 8, 8)
    assert shapes["pool"] == (512, 1, 1)
    assert shapes["fc"] == (10,)
    # hooks fire when a module returns: the stem's convolution before the stem
    names = [name for name, _, _ in records]
    assert names.index("stem.0") < names.index("stem") < names.index("layer1.0.conv1")
    assert names[-1] == "fc"


def test_resnet18_has_eighteen_weighted_layers() -> None:
    records = resnet.layer_shapes(resnet.resnet18(width=2))
    main_path = [
        name for name, kind, _ in records if kind in ("Conv2d", "Linear") and "shortcut" not in name
    ]
    assert len(main_path) == 18
    projections = [name for name, kind, _ in records if kind == "Conv2d" and "shortcut" in name]
    assert projections == ["layer2.0.shortcut.0", "layer3.0.shortcut.0", "layer4.0.shortcut.0"]


@given(st.integers(1, 6), st.integers(1, 40), st.integers(1, 4), st.integers(1, 12))
@settings(max_examples=25, deadline=None)
def test_hooked_shapes_match_the_formula(
    width: int, side: int, channels: int, classes: int
) -> None:
    model = resnet.resnet18(width, classes, channels)
    assert top_level_shapes(model, side, channels) == resnet.stage_shapes(width, side, classes)


@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 3), st.integers(0, 3))
@settings(max_examples=60, deadline=None)
def test_conv_output_side_matches_torch(side: int, kernel: int, stride: int, padding: int) -> None:
    if kernel > side + 2 * padding:
        with pytest.raises(ValueError, match="kernel must be at most"):
            resnet.conv_output_side(side, kernel, stride, padding)
        return
    conv = torch.nn.Conv2d(1, 1, kernel, stride=stride, padding=padding)
    out = conv(torch.zeros(1, 1, side, side))
    assert out.shape[-1] == resnet.conv_output_side(side, kernel, stride, padding)


def test_layer_shapes_restores_mode_and_removes_hooks() -> None:
    model = resnet.resnet18(width=2)
    model.train()
    resnet.layer_shapes(model)
    assert model.training
    assert all(not m._forward_hooks for m in model.modules())
    model.eval()
    resnet.layer_shapes(model)
    assert not model.training


def test_basic_block_is_residual() -> None:
    block = resnet.BasicBlock(4, 4, stride=1).eval()
    x = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        inner = block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x)))))
        assert torch.allclose(block(x), torch.relu(inner + x))
    assert len(block.shortcut) == 0  # the identity


# --------------------------------------------------------------------------- parameters


def test_parameter_formula_closed_form() -> None:
    parts = resnet.parameter_formula()
    w, K, c = WIDTH, CLASSES, CHANNELS
    assert sympy.expand(parts["total"] - (2724 * w**2 + (9 * c + 8 * K + 150) * w + K)) == 0
    assert parts["total"].subs({w: 64, K: 10, c: 3}) == 11_173_962
    assert sympy.expand(sum(v for k, v in parts.items() if k != "total") - parts["total"]) == 0


@pytest.mark.parametrize(
    ("width", "classes", "channels"),
    [*itertools.product([1, 3, 8], [1, 10], [1, 3]), (64, 10, 3)],
)
def test_parameter_formula_counts_the_model(width: int, classes: int, channels: int) -> None:
    model = resnet.resnet18(width, classes, channels)
    values = {WIDTH: width, CLASSES: classes, CHANNELS: channels}
    parts = resnet.parameter_formula()
    assert resnet.count_parameters(model) == parts["total"].subs(values)
    for name in ["stem", "layer1", "layer2", "layer3", "layer4", "fc"]:
        assert resnet.count_parameters(model, f"{name}.") == parts[name].subs(values)
    # the witness shares no code with count_parameters: a direct sum over tensors
    assert sum(p.numel() for p in model.parameters()) == parts["total"].subs(values)


def test_seeded_initialisation_leaves_global_state() -> None:
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = resnet.resnet18(width=2, seed=5)
    assert torch.equal(torch.random.get_rng_state(), before)
    b = resnet.resnet18(width=2, seed=5)
    c = resnet.resnet18(width=2, seed=6)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.stem[0].weight, c.stem[0].weight)


# --------------------------------------------------------------------------- augmentation


def images(n: int = 6, side: int = 8, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 3, side, side, generator=torch.Generator().manual_seed(seed))


@given(st.integers(0, 4), st.integers(0, 10**6))
@settings(max_examples=30, deadline=None)
def test_crop_at_is_a_window_of_the_padded_image(padding: int, seed: int) -> None:
    x = images(seed=seed % 100)
    rng = np.random.default_rng(seed)
    top = torch.from_numpy(rng.integers(0, 2 * padding + 1, 6))
    left = torch.from_numpy(rng.integers(0, 2 * padding + 1, 6))
    out = resnet.crop_at(x, top, left, padding)
    padded = np.pad(x.numpy(), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    for i in range(6):
        t, u = int(top[i]), int(left[i])
        assert np.array_equal(out[i].numpy(), padded[i, :, t : t + 8, u : u + 8])


def test_random_crop_picks_every_window_of_81() -> None:
    x = images(n=1, side=8).expand(4000, -1, -1, -1).contiguous()
    out = resnet.random_crop(x, torch.Generator().manual_seed(0), padding=4)
    padded = torch.nn.functional.pad(x[:1], (4, 4, 4, 4))[0]
    windows = {(t, u): padded[:, t : t + 8, u : u + 8] for t in range(9) for u in range(9)}
    hits = dict.fromkeys(windows, 0)
    for crop in out:
        found = [key for key, window in windows.items() if torch.equal(crop, window)]
        assert len(found) == 1  # each crop is exactly one of the 81 windows
        hits[found[0]] += 1
    counts = np.array(list(hits.values()))
    assert counts.min() > 0
    # uniform: 4000 / 81 ≈ 49 per window; a chi-square statistic far below its 99.9% point
    chi2 = ((counts - 4000 / 81) ** 2 / (4000 / 81)).sum()
    assert chi2 < 130  # chi-square with 80 degrees of freedom: P(> 130) < 0.001


@given(st.integers(0, 10**6), st.integers(1, 12))
@settings(max_examples=30, deadline=None)
def test_a_crop_without_padding_does_nothing(seed: int, side: int) -> None:
    x = images(n=3, side=side, seed=seed % 50)
    out = resnet.random_crop(x, torch.Generator().manual_seed(seed), padding=0)
    assert torch.equal(out, x)
    # exhaustive: the only offsets allowed without padding are (0, 0)
    zero = torch.zeros(3, dtype=torch.long)
    assert torch.equal(resnet.crop_at(x, zero, zero, 0), x)
    with pytest.raises(ValueError, match=r"top must lie in 0\.\.0"):
        resnet.crop_at(x, zero + 1, zero, 0)


@given(st.integers(1, 10), st.integers(1, 12), st.integers(0, 3))
@settings(max_examples=50, deadline=None)
def test_crop_positions_counts_the_distinct_windows(side: int, size: int, padding: int) -> None:
    if size > side + 2 * padding:
        with pytest.raises(ValueError, match="size must be at most"):
            resnet.crop_positions(side, size, padding)
        return
    # witness: enumerate every window of a generic (random) padded image with unfold
    x = torch.nn.functional.pad(images(n=1, side=side, seed=side), (padding,) * 4)
    windows = x.unfold(2, size, 1).unfold(3, size, 1)  # (1, 3, rows, cols, size, size)
    distinct = {w.numpy().tobytes() for w in windows.permute(2, 3, 0, 1, 4, 5).flatten(0, 1)}
    all_zero = size <= padding  # windows inside the border are all black: one of them
    expected = resnet.crop_positions(side, size, padding)
    assert len(distinct) == expected if not all_zero else len(distinct) <= expected


def test_centre_offset_is_the_identity() -> None:
    x = images()
    centre = torch.full((6,), 4)
    assert torch.equal(resnet.crop_at(x, centre, centre, 4), x)


def test_padding_is_black() -> None:
    x = torch.ones(1, 3, 4, 4)
    out = resnet.crop_at(x, torch.tensor([0]), torch.tensor([0]), padding=2)
    assert out[0, :, :2, :].sum() == 0
    assert out[0, :, 2:, 2:].eq(1).all()


def test_flip() -> None:
    x = images(n=2000, side=4)
    gen = torch.Generator().manual_seed(1)
    out = resnet.random_flip(x, gen, probability=0.5)
    flipped = (out == x.flip(-1)).flatten(1).all(dim=1)
    kept = (out == x).flatten(1).all(dim=1)
    assert bool((flipped ^ kept).all())  # each image is flipped or untouched
    assert abs(flipped.float().mean().item() - 0.5) < 4 * math.sqrt(0.25 / 2000)
    assert torch.equal(resnet.random_flip(x, gen, probability=0.0), x)
    assert torch.equal(resnet.random_flip(x, gen, probability=1.0), x.flip(-1))


def test_augmentation_is_reproducible() -> None:
    x = images()
    a = resnet.random_flip(
        resnet.random_crop(x, torch.Generator().manual_seed(3)), torch.Generator().manual_seed(4)
    )
    b = resnet.random_flip(
        resnet.random_crop(x, torch.Generator().manual_seed(3)), torch.Generator().manual_seed(4)
    )
    assert torch.equal(a, b)


# --------------------------------------------------------------------------- schedules


def torch_rates(schedule: resnet.Schedule, total: int) -> np.ndarray:
    """The rate torch's optimiser uses at each step, with torch's own schedulers."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=schedule.base_lr)
    lr = torch.optim.lr_scheduler
    sched: lr.LRScheduler
    if schedule.kind == "constant":
        sched = lr.ConstantLR(opt, factor=1.0, total_iters=total)
    elif schedule.kind == "annealed":
        sched = lr.ExponentialLR(opt, gamma=schedule.decay)
    else:
        W = math.floor(schedule.warmup * total)
        cosine = lr.CosineAnnealingLR(opt, T_max=total - W)
        if W == 0:
            sched = cosine
        else:
            warm = lr.LinearLR(opt, start_factor=1 / (W + 1), end_factor=1.0, total_iters=W)
            sched = lr.SequentialLR(opt, [warm, cosine], milestones=[W])
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(rates)


@given(
    st.sampled_from(resnet.SCHEDULES),
    st.floats(1e-4, 1.0),
    st.floats(0.5, 1.0),
    st.floats(0.0, 0.5),
    st.integers(1, 300),
)
@settings(max_examples=60, deadline=None)
def test_schedules_match_torch(kind, base: float, decay: float, warmup: float, total: int) -> None:
    schedule = resnet.Schedule(kind, base_lr=base, decay=decay, warmup=warmup)
    ours = resnet.learning_rate(schedule, np.arange(total), total)
    np.testing.assert_allclose(ours, torch_rates(schedule, total), rtol=1e-9, atol=1e-15)


def test_schedule_closed_forms() -> None:
    annealed = resnet.Schedule("annealed", base_lr=0.2, decay=0.9)
    rates = resnet.learning_rate(annealed, np.arange(10), 10)
    np.testing.assert_allclose(rates[1:] / rates[:-1], 0.9)  # previous rate times the decay
    special = resnet.Schedule("warmup_cosine", base_lr=1.0, warmup=0.25)
    r = resnet.learning_rate(special, np.arange(8), 8)
    # W = floor(0.25 * 8) = 2 warm-up steps at 1/3 and 2/3, then the cosine from its peak
    np.testing.assert_allclose(r[:3], [1 / 3, 2 / 3, 1.0])
    np.testing.assert_allclose(r[2:], (1 + np.cos(np.pi * np.arange(6) / 6)) / 2)
    assert resnet.learning_rate(resnet.Schedule("constant", base_lr=0.3), 5, 9) == 0.3
    scalar = resnet.learning_rate(special, 3, 8)
    assert isinstance(scalar, float)
    assert scalar == r[3]


def test_per_epoch_decay_would_make_one_epoch_annealed_equal_constant() -> None:
    # Why the book decays per step: with one epoch, an epoch-level decay never fires.
    steps_per_epoch = 23
    per_epoch = [0.1 * 0.5 ** (t // steps_per_epoch) for t in range(steps_per_epoch)]
    assert np.allclose(per_epoch, 0.1)
    per_step = resnet.learning_rate(
        resnet.Schedule("annealed", base_lr=0.1, decay=0.95), np.arange(23), 23
    )
    assert per_step[-1] < 0.04


# --------------------------------------------------------------------------- training

QUICK = resnet.TrainSettings(
    width=2, epochs=2, batch_size=16, train_subset=64, val_subset=32, threads=1
)


def test_train_is_reproducible_and_reports_its_curves() -> None:
    run = resnet.train(QUICK)
    assert run["lr"].shape == run["train_loss"].shape == run["train_accuracy"].shape == (8,)
    assert run["val_accuracy"].shape == run["val_loss"].shape == run["epoch"].shape == (3,)
    assert run["epoch_seconds"].shape == (2,)
    assert run["steps_per_epoch"] == 4.0
    assert run["train_size"] == 64.0
    assert run["val_size"] == 32.0
    np.testing.assert_allclose(run["lr"], resnet.learning_rate(QUICK.schedule, np.arange(8), 8))
    assert int(run["parameters"]) == resnet.parameter_formula()["total"].subs(
        {WIDTH: 2, CLASSES: 10, CHANNELS: 3}
    )
    assert run["best_val_accuracy"] == run["val_accuracy"].max()
    assert run["final_val_accuracy"] == run["val_accuracy"][-1]
    again = resnet.train(QUICK)
    for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        assert np.array_equal(run[key], again[key])
    other = resnet.train(replace(QUICK, seed=1))
    assert not np.array_equal(other["train_loss"], run["train_loss"])


def test_replay_of_the_first_steps_matches_the_full_run() -> None:
    full = resnet.train(QUICK)
    replay = resnet.train(replace(QUICK, max_steps=3))
    assert np.array_equal(replay["train_loss"], full["train_loss"][:3])
    assert np.array_equal(replay["lr"], full["lr"][:3])


def test_training_lowers_the_loss() -> None:
    run = resnet.train(
        replace(QUICK, width=4, epochs=8, augment=False, schedule=resnet.Schedule("constant", 0.05))
    )
    assert run["train_loss"][-4:].mean() < run["train_loss"][:4].mean()


def test_train_restores_the_thread_count() -> None:
    before = torch.get_num_threads()
    resnet.train(replace(QUICK, epochs=1, max_steps=1, threads=1))
    assert torch.get_num_threads() == before


def test_compare_schedules_changes_only_the_schedule() -> None:
    runs = resnet.compare_schedules(replace(QUICK, epochs=1), ["constant", "annealed"])
    assert set(runs) == {"constant", "annealed"}
    np.testing.assert_allclose(runs["constant"]["lr"], 0.05)
    assert runs["annealed"]["lr"][1] == pytest.approx(0.05 * 0.95)
    # same seed, same data: the first step's loss (before any update) agrees
    assert runs["constant"]["train_loss"][0] == runs["annealed"]["train_loss"][0]


def test_train_reads_a_cifar_folder(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for name in [*TRAIN_FILES, "test_batch"]:
        content = {
            b"data": rng.integers(0, 256, (8, 3072), dtype=np.uint8),
            b"labels": [int(v) for v in rng.integers(0, 10, 8)],
        }
        (tmp_path / name).write_bytes(pickle.dumps(content, protocol=2))
    meta = {b"label_names": [f"class{k}".encode() for k in range(10)]}
    (tmp_path / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    run = resnet.train(
        replace(QUICK, epochs=1, train_subset=None, val_subset=None, cifar_path=str(tmp_path))
    )
    assert run["train_size"] == 40.0
    assert run["val_size"] == 8.0


# --------------------------------------------------------------------------- bad input

X = images()
GEN = torch.Generator().manual_seed(0)
BAD_INPUT = [
    (lambda: resnet.resnet18(width=0), ValueError, "width must be >= 1"),
    (lambda: resnet.resnet18(width=2.0), TypeError, "width must be an integer"),
    (lambda: resnet.resnet18(width=True), TypeError, "width"),
    (lambda: resnet.resnet18(width=300), ValueError, "MAX_WIDTH"),
    (lambda: resnet.resnet18(classes=0), ValueError, "classes"),
    (lambda: resnet.resnet18(seed=-1), ValueError, "seed"),
    (lambda: resnet.layer_shapes("model"), TypeError, "model must be a torch.nn.Module"),
    (lambda: resnet.layer_shapes(resnet.resnet18(2), side=0), ValueError, "side"),
    (lambda: resnet.layer_shapes(resnet.resnet18(2), side=10_000), ValueError, "MAX_SIDE"),
    (lambda: resnet.conv_output_side(0, 3), ValueError, "side"),
    (lambda: resnet.conv_output_side(8, 3, stride=0), ValueError, "stride"),
    (lambda: resnet.conv_output_side(8, 3, padding=-1), ValueError, "padding"),
    (lambda: resnet.stage_shapes(width="64"), TypeError, "width"),
    (lambda: resnet.count_parameters([1, 2]), TypeError, "model"),
    (lambda: resnet.count_parameters(resnet.resnet18(2), prefix=3), TypeError, "prefix"),
    (lambda: resnet.random_crop(X.numpy(), GEN), TypeError, "images must be a torch.Tensor"),
    (lambda: resnet.random_crop(X.long(), GEN), TypeError, "floating-point"),
    (lambda: resnet.random_crop(X[0], GEN), ValueError, r"\(N, C, H, W\)"),
    (lambda: resnet.random_crop(X[:0], GEN), ValueError, "non-empty"),
    (lambda: resnet.random_crop(X * np.nan, GEN), ValueError, "finite"),
    (lambda: resnet.random_crop(X, 0), TypeError, "generator must be a torch.Generator"),
    (lambda: resnet.random_crop(X, GEN, padding=-1), ValueError, "padding"),
    (lambda: resnet.random_crop(X, GEN, padding=1.5), TypeError, "padding"),
    (
        lambda: resnet.crop_at(X, torch.zeros(6), torch.zeros(6, dtype=torch.long)),
        TypeError,
        "top must be an integer",
    ),
    (
        lambda: resnet.crop_at(
            X, torch.zeros(5, dtype=torch.long), torch.zeros(6, dtype=torch.long)
        ),
        ValueError,
        "top must have shape",
    ),
    (
        lambda: resnet.crop_at(X, torch.zeros(6, dtype=torch.long), torch.full((6,), 9)),
        ValueError,
        "left must lie",
    ),
    (
        lambda: resnet.crop_positions(32, 33),
        ValueError,
        "size must be at most side \\+ 2 padding = 32",
    ),
    (lambda: resnet.crop_positions(32, 0), ValueError, "size"),
    (lambda: resnet.crop_positions(32, 32, padding=-4), ValueError, "padding"),
    (lambda: resnet.replace_schedule(QUICK, "cyclic"), ValueError, "kind"),
    (lambda: resnet.random_flip(X, GEN, probability=1.5), ValueError, "probability"),
    (lambda: resnet.random_flip(X, GEN, probability=-0.5), ValueError, "probability"),
    (lambda: resnet.random_flip(X, None), TypeError, "generator"),
    (lambda: resnet.learning_rate("constant", 0, 10), TypeError, "schedule must be a Schedule"),
    (lambda: resnet.learning_rate(resnet.Schedule("cyclic"), 0, 10), ValueError, "schedule kind"),
    (lambda: resnet.learning_rate(resnet.Schedule(base_lr=0.0), 0, 10), ValueError, "base_lr"),
    (lambda: resnet.learning_rate(resnet.Schedule(decay=1.5), 0, 10), ValueError, "decay"),
    (lambda: resnet.learning_rate(resnet.Schedule(decay=0.0), 0, 10), ValueError, "decay"),
    (lambda: resnet.learning_rate(resnet.Schedule(warmup=1.0), 0, 10), ValueError, "warmup"),
    (lambda: resnet.learning_rate(resnet.Schedule(), 10, 10), ValueError, "step must lie in 0..9"),
    (lambda: resnet.learning_rate(resnet.Schedule(), -1, 10), ValueError, "step"),
    (lambda: resnet.learning_rate(resnet.Schedule(), 1.5, 10), TypeError, "step"),
    (lambda: resnet.learning_rate(resnet.Schedule(), True, 10), TypeError, "step"),
    (lambda: resnet.learning_rate(resnet.Schedule(), 0, 0), ValueError, "total"),
    (lambda: resnet.learning_rate(resnet.Schedule(), 0, 10**7), ValueError, "MAX_STEPS"),
    (lambda: resnet.train("fast"), TypeError, "settings must be a TrainSettings"),
    (lambda: resnet.train(replace(QUICK, epochs=0)), ValueError, "epochs"),
    (lambda: resnet.train(replace(QUICK, epochs=10_000)), ValueError, "MAX_EPOCHS"),
    (lambda: resnet.train(replace(QUICK, batch_size=65)), ValueError, "batch_size must be at most"),
    (lambda: resnet.train(replace(QUICK, momentum=1.0)), ValueError, "momentum"),
    (lambda: resnet.train(replace(QUICK, weight_decay=-1.0)), ValueError, "weight_decay"),
    (lambda: resnet.train(replace(QUICK, augment=1)), TypeError, "augment"),
    (lambda: resnet.train(replace(QUICK, max_steps=0)), ValueError, "max_steps"),
    (lambda: resnet.train(replace(QUICK, threads=0)), ValueError, "threads"),
    (lambda: resnet.train(replace(QUICK, train_subset=0)), ValueError, "train"),
    (lambda: resnet.train(replace(QUICK, cifar_path=3)), TypeError, "cifar_path"),
    (
        lambda: resnet.train(replace(QUICK, cifar_path="/no/such/dir")),
        ValueError,
        "existing folder",
    ),
    (lambda: resnet.compare_schedules(QUICK, ["constant", "cyclic"]), ValueError, "kinds"),
    (lambda: resnet.compare_schedules(QUICK, "constant"), TypeError, "kinds"),
    (lambda: resnet.to_tensor(np.zeros((1, 3, 2, 2))), TypeError, "uint8"),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), BAD_INPUT, ids=[f"{k}-{m}" for k, (_, _, m) in enumerate(BAD_INPUT)]
)
def test_bad_input_names_the_argument(call, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not (0 < v < np.inf)),
        st.booleans(),
        st.text(max_size=2),
        st.none(),
    )
)
@settings(max_examples=40, deadline=None)
def test_bad_base_rates_are_rejected(value: object) -> None:
    with pytest.raises((TypeError, ValueError), match="base_lr"):
        resnet.learning_rate(resnet.Schedule(base_lr=value), 0, 5)  # type: ignore[arg-type]


@given(
    st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=resnet.MAX_EPOCHS + 1),
        st.floats(),
        st.text(max_size=2),
    )
)
@settings(max_examples=30, deadline=None)
def test_bad_epochs_are_rejected(value: object) -> None:
    with pytest.raises((TypeError, ValueError), match="epochs"):
        resnet.train(replace(QUICK, epochs=value))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the cached run


def test_image_classification_run_settings_build_train_settings() -> None:
    from dlhw import cached_runs

    run = cached_runs.get("image-classification")
    assert run.path == "docs/practice/image_classification.npz"
    for kind in cached_runs.IMAGE_KINDS:
        s = cached_runs.image_train_settings(kind, 3)
        assert s.schedule.kind == kind
        assert s.epochs == 3
        assert s.width == cached_runs.IMAGE_SETTINGS["width"]
        assert s.threads == 1
        assert s.augment
        assert s.padding == 4
    with pytest.raises(ValueError, match="kind"):
        cached_runs.image_train_settings("cosine", 1)
