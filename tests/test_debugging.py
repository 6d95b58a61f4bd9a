"""Debugging deep nets: accumulation under BN/LN, the β = 1 momentum identity, seeds, bad input."""

from __future__ import annotations

import copy
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw import debugging as db

DATA = db.load_digits_split()
TOL = {"rtol": 1e-10, "atol": 1e-12}  # float64: agreement up to rounding


# ------------------------------------------------------- (b) gradient accumulation


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[str, np.ndarray]]:
    return {norm: db.accumulation_experiment(norm) for norm in ("batch", "layer")}


def full_batch_reference(norm: str, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """Logits and gradient of one plain forward/backward on all 32 images (no accumulate)."""
    model, X, y = db.accumulation_setup(norm)
    model.train(train)
    logits = model(torch.from_numpy(X))
    loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y))
    grads = torch.autograd.grad(loss, list(model.parameters()))
    return logits.detach().numpy(), torch.cat([g.reshape(-1) for g in grads]).numpy()


def test_layernorm_agrees_with_the_full_batch_for_every_split(runs) -> None:
    ln = runs["layer"]
    logits, grad = full_batch_reference("layer", train=True)
    for k, split in enumerate(db.SPLITS):
        assert torch.allclose(torch.from_numpy(ln["logits"][k]), torch.from_numpy(logits), **TOL), (
            split
        )
        assert torch.allclose(torch.from_numpy(ln["grad"][k]), torch.from_numpy(grad), **TOL), split
    assert ln["running_mean"].shape == (6, 0, 0)  # LayerNorm keeps no statistics


def test_batchnorm_differs_for_every_split_but_the_baseline(runs) -> None:
    bn = runs["batch"]
    logits, grad = full_batch_reference("batch", train=True)
    assert torch.allclose(torch.from_numpy(bn["logits"][-1]), torch.from_numpy(logits), **TOL)
    assert torch.allclose(torch.from_numpy(bn["grad"][-1]), torch.from_numpy(grad), **TOL)
    for k in range(len(db.SPLITS) - 1):
        assert not np.allclose(bn["logits"][k], logits, rtol=1e-3, atol=1e-3)
        assert not np.allclose(bn["grad"][k], grad, rtol=1e-3, atol=1e-3)
    # smaller micro-batches: noisier statistics, larger deviation
    assert np.all(np.diff(bn["logit_deviation"]) < 0)


def test_batchnorm_running_statistics_depend_on_the_split(runs) -> None:
    bn = runs["batch"]
    means = bn["running_mean"]
    assert means.shape == (6, 2, 8)
    for a in range(6):
        for b in range(a + 1, 6):
            assert not np.allclose(means[a], means[b], rtol=1e-6, atol=1e-9)
    # with momentum 0.1 and one update per micro-batch, m_k = 0.9 m_{k-1} + 0.1 mean_k;
    # replay the (2, 16) split by hand for the first layer
    model, X, _ = db.accumulation_setup("batch")
    m = model[1].running_mean.clone()
    with torch.no_grad():
        for i in range(16):
            pre = model[0](torch.from_numpy(X[2 * i : 2 * i + 2]))
            m = 0.9 * m + 0.1 * pre.mean(dim=(0, 2, 3))
    np.testing.assert_allclose(means[1, 0], m.numpy(), rtol=1e-12)


def test_eval_mode_batchnorm_agrees_for_every_split(runs) -> None:
    for norm in ("batch", "layer"):
        run = runs[norm]
        logits, grad = full_batch_reference(norm, train=False)
        for k in range(len(db.SPLITS)):
            assert torch.allclose(
                torch.from_numpy(run["eval_logits"][k]), torch.from_numpy(logits), **TOL
            )
            assert torch.allclose(
                torch.from_numpy(run["eval_grad"][k]), torch.from_numpy(grad), **TOL
            )


def test_accumulate_leaves_the_model_unchanged() -> None:
    model = db.small_cnn("batch")
    before = copy.deepcopy(model.state_dict())
    X, y = db.digit_images(8)
    db.accumulate(model, X, y, 2)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None for p in model.parameters())


@given(seed=st.integers(0, 50), exponent=st.integers(0, 3))
@settings(max_examples=10, deadline=None)
def test_layernorm_accumulation_property(seed: int, exponent: int) -> None:
    X, y = db.digit_images(8, seed=seed)
    model = db.small_cnn("layer", channels=4, seed=seed)
    whole = db.accumulate(model, X, y, 8)
    parts = db.accumulate(model, X, y, 2**exponent)
    np.testing.assert_allclose(parts["grad"], whole["grad"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(parts["logits"], whole["logits"], rtol=1e-10, atol=1e-13)


# -------------------------------------------------------------- (c) zero_grad


@st.composite
def problems(draw: st.DrawFn):
    rng = np.random.default_rng(draw(st.integers(0, 10**6)))
    d = draw(st.integers(1, 4))
    batch = draw(st.sampled_from([1, 2, 3]))
    n = batch * draw(st.integers(1, 4))
    return rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), batch


@given(problems(), st.floats(1e-3, 0.05), st.integers(1, 40))
@settings(max_examples=40, deadline=None)
def test_missing_zero_grad_is_heavy_ball_with_beta_one(problem, lr: float, steps: int) -> None:
    X, y, w0, batch = problem
    buggy = db.torch_sgd_loop(X, y, w0, lr, steps, batch_size=batch, zero_grad=False)
    # torch's own momentum buffer (β = 1, dampening 0) does the same float operations
    momentum = db.torch_sgd_loop(X, y, w0, lr, steps, batch_size=batch, momentum=1.0)
    assert np.array_equal(buggy, momentum)
    # an independent two-term recurrence, in float64
    hb = db.heavy_ball(X, y, w0, lr, steps, beta=1.0, batch_size=batch)
    scale = np.abs(buggy).max() + 1
    assert np.abs(buggy - hb).max() <= 1e-10 * scale
    # and the fixed loop is plain SGD
    fixed = db.torch_sgd_loop(X, y, w0, lr, steps, batch_size=batch)
    plain = db.heavy_ball(X, y, w0, lr, steps, beta=0.0, batch_size=batch)
    assert np.abs(fixed - plain).max() <= 1e-10 * (np.abs(fixed).max() + 1)


@given(problems(), st.integers(1, 12))
@settings(max_examples=25, deadline=None)
def test_momentum_identity_is_exact_in_rationals(problem, steps: int) -> None:
    X, y, w0, batch = problem
    acc = db.accumulating_sgd(X, y, w0, 0.01, steps, batch_size=batch, zero_grad=False, exact=True)
    hb = db.heavy_ball(X, y, w0, 0.01, steps, beta=1.0, batch_size=batch, exact=True)
    assert acc.dtype == object
    assert isinstance(acc[-1][0], Fraction)
    assert (acc == hb).all()
    # the float torch loop is these exact iterates, rounded
    torch_path = db.torch_sgd_loop(X, y, w0, 0.01, steps, batch_size=batch, zero_grad=False)
    exact_as_float = acc.astype(float)
    assert np.abs(torch_path - exact_as_float).max() <= 1e-10 * (np.abs(exact_as_float).max() + 1)


def test_identity_fails_for_other_momentum() -> None:
    rng = np.random.default_rng(0)
    X, y, w0 = rng.normal(size=(6, 2)), rng.normal(size=6), rng.normal(size=2)
    acc = db.accumulating_sgd(X, y, w0, 0.05, 8, batch_size=2, zero_grad=False, exact=True)
    for beta in (0.0, 0.9, 0.99):
        hb = db.heavy_ball(X, y, w0, 0.05, 8, beta=beta, batch_size=2, exact=True)
        assert not (acc == hb).all()


def test_buggy_step_uses_the_sum_of_past_gradients() -> None:
    rng = np.random.default_rng(1)
    X, y, w0 = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3)
    lr, T = 0.02, 10
    W = db.torch_sgd_loop(X, y, w0, lr, T, batch_size=2, zero_grad=False)

    # g_s from the iterates themselves, by finite differences of the batch loss (no formula)
    def batch_loss(w: np.ndarray, s: int) -> float:
        rows = slice((2 * s) % 4, (2 * s) % 4 + 2)
        return float(np.mean((X[rows] @ w - y[rows]) ** 2))

    def fd_grad(w: np.ndarray, s: int, h: float = 1e-6) -> np.ndarray:
        return np.array(
            [(batch_loss(w + h * e, s) - batch_loss(w - h * e, s)) / (2 * h) for e in np.eye(3)]
        )

    g = np.array([fd_grad(W[s], s) for s in range(T)])
    np.testing.assert_allclose(W[1:] - W[:-1], -lr * np.cumsum(g, axis=0), rtol=1e-6, atol=1e-10)


def test_zero_grad_experiment_same_start_then_apart() -> None:
    out = db.zero_grad_experiment(db.ZeroGradSettings(epochs=4))
    assert out["loss_fixed"][0] == out["loss_buggy"][0]
    assert out["loss_fixed"][1] == out["loss_buggy"][1]  # after one step both used g_0 only
    assert out["loss_fixed"][2] != out["loss_buggy"][2]
    # the buggy .grad keeps growing: it is the running sum of the gradients
    assert out["grad_norm_buggy"][-1] > 10 * out["grad_norm_buggy"][0]
    again = db.zero_grad_experiment(db.ZeroGradSettings(epochs=4))
    assert all(np.array_equal(out[k], again[k]) for k in out)


# --------------------------------------------------------------- (a) degradation


def test_deep_plain_net_loses_its_gradient_at_initialisation() -> None:
    deep = db.layer_gradient_norms(db.make_mlp(20), DATA.X_train, DATA.y_train)
    assert deep[0] < 1e-4 * deep[-1]  # vanishes towards the input
    for fix in (
        db.make_mlp(20, residual=True),
        db.make_mlp(20, init="he"),
        db.make_mlp(20, norm="batch"),
    ):
        norms = db.layer_gradient_norms(fix, DATA.X_train, DATA.y_train)
        assert norms[0] > 0.1 * norms[-1]
    shallow = db.layer_gradient_norms(db.make_mlp(3), DATA.X_train, DATA.y_train)
    assert shallow.min() > 0.1 * shallow.max()


def test_layer_gradient_norms_match_backward() -> None:
    model = db.make_mlp(5, norm="batch")
    norms = db.layer_gradient_norms(model, DATA.X_train, DATA.y_train)
    state = copy.deepcopy(model.state_dict())
    model.train()
    loss = torch.nn.functional.cross_entropy(
        model(torch.from_numpy(DATA.X_train)), torch.from_numpy(DATA.y_train)
    )
    loss.backward()
    expected = [float(m.weight.grad.norm()) for m in model.linears]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    # and the first call left BatchNorm's running statistics alone
    fresh = db.make_mlp(5, norm="batch").state_dict()
    assert all(torch.equal(state[k], fresh[k]) for k in state)


def test_deep_plain_output_is_nearly_constant() -> None:
    X = torch.from_numpy(DATA.X_train[:200])
    with torch.no_grad():
        deep = db.make_mlp(20)(X)
        shallow = db.make_mlp(3)(X)
    assert float(deep.std(dim=0).max()) < 1e-5 * float(shallow.std(dim=0).max())


def test_plain_and_residual_share_their_weights() -> None:
    plain, res = db.make_mlp(8, seed=4), db.make_mlp(8, residual=True, seed=4)
    for a, b in zip(plain.parameters(), res.parameters(), strict=True):
        assert torch.equal(a, b)


def test_training_is_reproducible_and_leaves_global_state_alone() -> None:
    rng_state = torch.get_rng_state()
    threads = torch.get_num_threads()
    conf = db.TrainSettings(epochs=2, seed=3)
    a = db.train_classifier(db.make_mlp(4, seed=5), DATA, conf)
    b = db.train_classifier(db.make_mlp(4, seed=5), DATA, conf)
    assert all(np.array_equal(a[k], b[k]) for k in a if k != "seconds")
    c = db.train_classifier(db.make_mlp(4, seed=5), DATA, db.TrainSettings(epochs=2, seed=4))
    assert not np.array_equal(a["train_loss"], c["train_loss"])
    assert torch.equal(torch.get_rng_state(), rng_state)
    assert torch.get_num_threads() == threads


def test_training_curves_start_at_initialisation() -> None:
    model = db.make_mlp(3, seed=1)
    out = db.train_classifier(model, DATA, db.TrainSettings(epochs=1))
    X, y = torch.from_numpy(DATA.X_train), torch.from_numpy(DATA.y_train)
    fresh = db.make_mlp(3, seed=1)
    with torch.no_grad():
        err0 = float((fresh(X).argmax(1) != y).double().mean())
    assert out["train_error"][0] == err0
    assert out["train_error"][1] < err0


def test_degradation_experiment_shapes() -> None:
    conf = db.DegradationSettings(deep_depth=5, training=db.TrainSettings(epochs=1))
    out = db.degradation_experiment(conf, ("deep_batchnorm", "deep_residual"))
    assert set(out) == {"deep_batchnorm", "deep_residual"}
    assert out["deep_residual"]["grad_norms"].shape == (2, 5)


def test_digits_split_is_standardised_and_stratified() -> None:
    assert DATA.X_train.shape == (1400, 64)
    assert DATA.X_test.shape == (397, 64)
    np.testing.assert_allclose(DATA.X_train.mean(axis=0), 0, atol=1e-12)
    counts = np.bincount(DATA.y_train, minlength=10)
    every = counts + np.bincount(DATA.y_test, minlength=10)
    assert np.abs(counts - every * 1400 / 1797).max() <= 1  # stratified: same class shares
    again = db.load_digits_split()
    assert np.array_equal(again.X_test, DATA.X_test)


# ------------------------------------------------------------------ bad input

X0, Y0 = np.ones((4, 2)), np.ones(4)
IMG, LAB = db.digit_images(4)
BAD_INPUT = [
    (lambda: db.load_digits_split(5), ValueError, "train_size"),
    (lambda: db.load_digits_split(1790), ValueError, "train_size"),
    (lambda: db.load_digits_split(100.0), TypeError, "train_size"),
    (lambda: db.load_digits_split(100, seed=-1), ValueError, "seed"),
    (lambda: db.make_mlp(1), ValueError, "depth"),
    (lambda: db.make_mlp(10**4), ValueError, "MAX_DEPTH"),
    (lambda: db.make_mlp(3, 0), ValueError, "width"),
    (lambda: db.make_mlp(3, True), TypeError, "width"),
    (lambda: db.make_mlp(3, norm="group"), ValueError, "norm"),
    (lambda: db.make_mlp(3, init="xavier"), ValueError, "init"),
    (lambda: db.make_mlp(3, residual=1), TypeError, "residual"),
    (lambda: db.make_mlp(3, seed="a"), TypeError, "seed"),
    (lambda: db.layer_gradient_norms("net", X0, Y0), TypeError, "model"),
    (
        lambda: db.layer_gradient_norms(db.make_mlp(3), DATA.X_train, DATA.y_train[:-1]),
        ValueError,
        "y must have",
    ),
    (
        lambda: db.layer_gradient_norms(db.make_mlp(3), DATA.X_train, DATA.y_train + 0.5),
        ValueError,
        "y must hold",
    ),
    (
        lambda: db.layer_gradient_norms(db.make_mlp(3), np.full((2, 64), np.nan), [0, 1]),
        ValueError,
        "X must",
    ),
    (lambda: db.layer_gradient_norms(torch.nn.ReLU(), X0, Y0), ValueError, "no linear"),
    (lambda: db.train_classifier(db.make_mlp(3), "digits"), TypeError, "data"),
    (lambda: db.train_classifier(db.make_mlp(3), DATA, {"epochs": 1}), TypeError, "settings"),
    (
        lambda: db.train_classifier(db.make_mlp(3), DATA, db.TrainSettings(batch_size=2000)),
        ValueError,
        "batch_size",
    ),
    (
        lambda: db.train_classifier(
            db.make_mlp(3), DATA, db.TrainSettings(epochs=10**4, batch_size=1)
        ),
        ValueError,
        "MAX_STEPS",
    ),
    (lambda: db.TrainSettings(lr=0.0), ValueError, "lr"),
    (lambda: db.TrainSettings(momentum=1.0), ValueError, "momentum"),
    (lambda: db.TrainSettings(epochs=-1), ValueError, "epochs"),
    (lambda: db.DegradationSettings(deep_depth=3), ValueError, "deep_depth"),
    (lambda: db.DegradationSettings(training=None), TypeError, "training"),
    (lambda: db.degradation_model("deeper"), ValueError, "name"),
    (lambda: db.degradation_experiment(variants="deep"), ValueError, "variants"),
    (lambda: db.degradation_experiment(variants=("deep", "wide")), ValueError, "variants"),
    (lambda: db.degradation_experiment(settings=db.TrainSettings()), TypeError, "settings"),
    (lambda: db.small_cnn("instance"), ValueError, "norm"),
    (lambda: db.small_cnn("batch", channels=0), ValueError, "channels"),
    (lambda: db.small_cnn("batch", channels=10**4), ValueError, "channels"),
    (lambda: db.accumulate(db.small_cnn("layer"), IMG, LAB, 3), ValueError, "batch_size"),
    (lambda: db.accumulate(db.small_cnn("layer"), IMG, LAB[:2], 2), ValueError, "labels must have"),
    (lambda: db.accumulate(None, IMG, LAB, 2), TypeError, "model"),
    (lambda: db.accumulate(db.small_cnn("layer"), IMG, LAB, 2, train="yes"), TypeError, "train"),
    (
        lambda: db.accumulate(db.small_cnn("layer"), IMG, LAB + 10, 2),
        ValueError,
        "number of logits",
    ),
    (lambda: db.accumulation_setup("batch", settings=3), TypeError, "settings"),
    (lambda: db.digit_images(0), ValueError, "count"),
    (lambda: db.digit_images(10**5), ValueError, "count"),
    (lambda: db.AccumulationSettings(warmup_batches=-1), ValueError, "warmup_batches"),
    (lambda: db.AccumulationSettings(warmup_batches=10**6), ValueError, "warmup_batches"),
    (lambda: db.accumulation_experiment("none"), ValueError, "norm"),
    (lambda: db.accumulation_experiment("batch", {"channels": 2}), TypeError, "settings"),
    (lambda: db.torch_sgd_loop(X0, Y0, [0.0], 0.1, 3), ValueError, "w0 must have"),
    (lambda: db.torch_sgd_loop(X0, Y0[:3], [0.0, 0.0], 0.1, 3), ValueError, "y must have"),
    (lambda: db.torch_sgd_loop(X0, Y0, [0.0, 0.0], 0.1, 3, batch_size=3), ValueError, "batch_size"),
    (lambda: db.torch_sgd_loop(X0, Y0, [0.0, 0.0], -0.1, 3), ValueError, "lr"),
    (lambda: db.torch_sgd_loop(X0, Y0, [0.0, 0.0], 0.1, -3), ValueError, "steps"),
    (lambda: db.torch_sgd_loop(X0, Y0, [0.0, 0.0], 0.1, 10**7), ValueError, "MAX_STEPS"),
    (lambda: db.torch_sgd_loop(X0, Y0, [0.0, 0.0], 0.1, 3, momentum=1.5), ValueError, "momentum"),
    (lambda: db.torch_sgd_loop("X", Y0, [0.0, 0.0], 0.1, 3), TypeError, "X must"),
    (lambda: db.torch_sgd_loop(X0, Y0, [np.inf, 0.0], 0.1, 3), ValueError, "w0 must"),
    (lambda: db.heavy_ball(X0, Y0, [0.0, 0.0], 0.1, 3, beta=-1.0), ValueError, "beta"),
    (
        lambda: db.heavy_ball(X0, Y0, [0.0, 0.0], 0.1, 100, beta=1.0, exact=True),
        ValueError,
        "MAX_EXACT_STEPS",
    ),
    (lambda: db.accumulating_sgd(X0, Y0, [0.0, 0.0], 0.1, 3, exact=1), TypeError, "exact"),
    (lambda: db.ZeroGradSettings(batch_size=300), ValueError, "batch_size must divide"),
    (lambda: db.ZeroGradSettings(lr=float("nan")), ValueError, "lr"),
    (lambda: db.zero_grad_experiment({"lr": 0.1}), TypeError, "settings"),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), BAD_INPUT, ids=[f"{k}-{m}" for k, (_, _, m) in enumerate(BAD_INPUT)]
)
def test_bad_input_names_the_argument(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


@given(
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not v > 0 or v == np.inf),
        st.booleans(),
        st.text(max_size=3),
        st.none(),
    )
)
@settings(max_examples=50, deadline=None)
def test_bad_step_sizes_rejected(value: object) -> None:
    for call in (
        lambda: db.torch_sgd_loop(X0, Y0, [0.0, 0.0], value, 2),  # type: ignore[arg-type]
        lambda: db.heavy_ball(X0, Y0, [0.0, 0.0], value, 2, beta=0.5),  # type: ignore[arg-type]
        lambda: db.TrainSettings(lr=value),  # type: ignore[arg-type]
    ):
        with pytest.raises((ValueError, TypeError), match="lr"):
            call()


@given(
    value=st.one_of(
        st.integers(max_value=-1), st.floats(allow_nan=True), st.booleans(), st.text(max_size=2)
    )
)
@settings(max_examples=50, deadline=None)
def test_bad_counts_rejected(value: object) -> None:
    with pytest.raises((ValueError, TypeError), match="steps"):
        db.accumulating_sgd(X0, Y0, [0.0, 0.0], 0.1, value)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match="depth"):
        db.make_mlp(value)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match="count"):
        db.digit_images(value)  # type: ignore[arg-type]


# ------------------------------------------------------------- cached runs (S0-Q1)


def test_cached_runs_state_the_module_defaults() -> None:
    """The chapter's two cached runs use the experiments' default settings, and their files load."""
    from dlhw import cached_runs, runs

    degradation = cached_runs.get("debugging-degradation")
    zero_grad = cached_runs.get("debugging-zero-grad")
    assert degradation.settings == db.DegradationSettings()
    assert zero_grad.settings == db.ZeroGradSettings()
    stored = runs.load(degradation)
    assert {key.split("/")[0] for key in stored.arrays} == set(db.VARIANTS)
    assert stored.arrays["deep/grad_norms"].shape == (31, 20)
    assert runs.load(zero_grad).arrays["train_loss_buggy"].shape == (251,)


def test_cached_compute_functions_match_the_experiments() -> None:
    """The compute functions of the runs return the experiments' arrays (short settings)."""
    from dlhw import cached_runs

    short = db.DegradationSettings(deep_depth=4, training=db.TrainSettings(epochs=1))
    arrays = cached_runs._debugging_degradation(short)
    direct = db.degradation_experiment(short)
    for name, curves in direct.items():
        np.testing.assert_array_equal(arrays[f"{name}/train_error"], curves["train_error"])
        np.testing.assert_array_equal(arrays[f"{name}/grad_norms"], curves["grad_norms"])
    quick = db.ZeroGradSettings(epochs=2)
    np.testing.assert_array_equal(
        cached_runs._debugging_zero_grad(quick)["loss_buggy"],
        db.zero_grad_experiment(quick)["loss_buggy"],
    )
