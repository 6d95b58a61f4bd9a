"""Tests of dlhw.parity and dlhw.parity_training."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw import parity as P  # noqa: N812
from dlhw import parity_training as T  # noqa: N812


def random_params(d: int, k: int, seed: int = 0, scale: float = 1.0) -> P.Params:
    rng = np.random.default_rng(seed)
    return P.Params(
        scale * rng.normal(size=(k, d)),
        scale * rng.normal(size=k),
        rng.normal(size=k),
        float(rng.normal()),
    )


def torch_population_risk(params: P.Params, v: np.ndarray) -> tuple[float, np.ndarray]:
    """The population hinge risk and its autograd gradient, in float64, over all inputs."""
    d = params.W.shape[1]
    X = torch.tensor(P.all_inputs(d), dtype=torch.float64)
    y = torch.tensor(P.parity_labels(P.all_inputs(d), v), dtype=torch.float64)
    W, b, alpha = (torch.tensor(a, requires_grad=True) for a in params[:3])
    beta = torch.tensor(params.beta, dtype=torch.float64, requires_grad=True)
    f = torch.relu(X @ W.T + b) @ alpha + beta
    risk = torch.relu(1 - y * f).mean()
    grads = torch.autograd.grad(risk, [W, b, alpha, beta])
    return float(risk.detach()), np.concatenate([g.reshape(-1).numpy() for g in grads])


# --- the data and the construction ------------------------------------------------------


def test_all_inputs_is_lexicographic() -> None:
    for d in range(1, 6):
        expected = np.array(list(itertools.product((0, 1), repeat=d)))
        assert np.array_equal(P.all_inputs(d), expected)
    assert np.array_equal(P.all_inputs(4, 3, 6), P.all_inputs(4)[3:6])


def test_parity_labels_match_definition() -> None:
    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(50, 7))
    v = rng.integers(0, 2, size=7)
    expected = np.array([(-1) ** int(sum(x[j] * v[j] for j in range(7))) for x in X])
    assert np.array_equal(P.parity_labels(X, v), expected)
    assert P.parity_labels(X[0], v) == expected[0]


@pytest.mark.parametrize("d", range(1, 9))
def test_construction_is_exact_for_every_mask(d: int) -> None:
    X = P.all_inputs(d)
    for v in P.all_inputs(d):
        for k in (None, 10 * d):
            out = P.network_output(P.exact_parity_network(v, k), X)
            assert np.array_equal(out, P.parity_labels(X, v))


@pytest.mark.parametrize("d", range(1, 9))
def test_construction_truncated_to_floor_3d_over_2_fails(d: int) -> None:
    X = P.all_inputs(d)
    units = 3 * d // 2
    failures = 0
    for v in P.all_inputs(d):
        W, b, alpha, beta = P.exact_parity_network(v)
        out = P.network_output((W[:units], b[:units], alpha[:units], beta), X)
        failures += not np.array_equal(out, P.parity_labels(X, v))
    assert failures > 0
    # the mask of all ones needs the last tent (d even) or the last triple (d odd)
    v = np.ones(d, dtype=int)
    W, b, alpha, beta = P.exact_parity_network(v)
    out = P.network_output((W[:units], b[:units], alpha[:units], beta), np.ones((1, d), int))
    assert out[0] != P.parity_labels(np.ones(d, int), v)


def test_construction_padding_and_layout() -> None:
    p = P.exact_parity_network([1, 0, 1, 1], k=40)
    assert p.W.shape == (40, 4)
    assert np.all(p.W[9:] == 0)
    assert np.all(p.b[9:] == 0)
    assert np.all(p.alpha[9:] == 0)
    assert list(p.b[:3]) == [0.5, 0.0, -0.5]
    assert list(p.alpha[:6]) == [4, -8, 4, 4, -8, 4]
    assert P.minimum_units(4) == 9
    assert P.minimum_units(5) == 9


def test_too_few_units_names_the_minimum() -> None:
    with pytest.raises(ValueError, match=r"k >= 3 \(floor\(d/2\) \+ 1\) = 18 for d = 10"):
        P.exact_parity_network(np.ones(10, int), k=15)


# --- gradients of f ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_output_gradients_match_autograd(seed: int) -> None:
    d, k = 5, 7
    p = random_params(d, k, seed)
    X = P.all_inputs(d)
    ours = P.output_gradients(p, X)
    W, b, alpha = (torch.tensor(a, requires_grad=True) for a in p[:3])
    beta = torch.tensor(p.beta, dtype=torch.float64, requires_grad=True)
    for x, row in zip(X, ours, strict=True):
        xt = torch.tensor(x, dtype=torch.float64)
        f = torch.relu(W @ xt + b) @ alpha + beta
        grads = torch.autograd.grad(f, [W, b, alpha, beta])
        expected = np.concatenate([g.reshape(-1).numpy() for g in grads])
        np.testing.assert_allclose(row, expected, rtol=1e-14, atol=1e-14)
    assert np.abs(ours).max() <= P.gradient_bound(p)
    np.testing.assert_array_equal(
        P.network_output(p, X), np.maximum(X @ p.W.T + p.b, 0) @ p.alpha + p.beta
    )


def test_flatten_and_bound() -> None:
    p = random_params(3, 4)
    assert P.flatten(p).shape == (P.n_params(3, 4),)
    assert P.n_params(3, 4) == 3 * 4 + 2 * 4 + 1
    assert P.variance_bound(p) == P.n_params(3, 4) * P.gradient_bound(p) ** 2


# --- population gradients ---------------------------------------------------------------


@pytest.mark.parametrize(("d", "seed"), [(3, 0), (5, 1), (6, 2)])
def test_population_gradient_matches_autograd(d: int, seed: int) -> None:
    p = random_params(d, 2 * d, seed)
    rng = np.random.default_rng(seed)
    for v in rng.integers(0, 2, size=(4, d)):
        _, expected = torch_population_risk(p, v)
        np.testing.assert_allclose(P.population_gradient(p, v), expected, rtol=1e-12, atol=1e-15)


def test_population_gradient_at_the_construction_is_zero() -> None:
    for v in P.all_inputs(4):
        g = P.population_gradient(P.exact_parity_network(v), v)
        assert g.shape == (P.n_params(4, 9),)
        assert not np.any(g)


def test_subgradient_convention_at_the_kinks() -> None:
    # f = 1 everywhere: y f = 1 for y = 1 (kink: no contribution), -1 for y = -1
    p = P.Params(np.zeros((1, 2)), np.zeros(1), np.zeros(1), 1.0)
    g = P.population_gradient(p, [1, 0])
    # only the y = -1 inputs (half of them) contribute -y grad f = +grad f; grad_beta = 1
    np.testing.assert_array_equal(g, [0, 0, 0, 0, 0.5])


def test_population_risk_matches_direct_average(monkeypatch: pytest.MonkeyPatch) -> None:
    p = random_params(6, 5, 4)
    v = np.array([1, 0, 1, 1, 0, 1])
    X = P.all_inputs(6)
    y = P.parity_labels(X, v)
    f = P.network_output(p, X)
    expected = (float(np.maximum(0, 1 - y * f).mean()), float((np.sign(f) == y).mean()))
    assert P.population_risk(p, v) == pytest.approx(expected, rel=1e-14)
    risk, _ = torch_population_risk(p, v)
    assert P.population_risk(p, v)[0] == pytest.approx(risk, rel=1e-14)
    monkeypatch.setattr(P, "CHUNK", 8)
    monkeypatch.setattr(P, "BLOCK_BITS", 2)  # blocks of 4 inputs: 4 leading bits vary
    assert P.population_risk(p, v) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("block_bits", [0, 3, 10])
def test_exact_sums_beyond_one_block(monkeypatch: pytest.MonkeyPatch, block_bits: int) -> None:
    # d = 12 > BLOCK_BITS: the leading bits of every block are nonzero somewhere
    monkeypatch.setattr(P, "BLOCK_BITS", block_bits)
    d, p = 12, random_params(12, 3, 11, scale=0.8)
    v = np.array([1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0])
    X = P.all_inputs(d)
    y = P.parity_labels(X, v)
    f = P.network_output(p, X)
    expected = (float(np.maximum(0, 1 - y * f).mean()), float((np.sign(f) == y).mean()))
    assert P.population_risk(p, v) == pytest.approx(expected, rel=1e-13)
    G = P.mask_gradients(p, d) - P.common_gradient(p, d)
    assert P.gradient_variance(p, d) == pytest.approx(float((G**2).sum(axis=1).mean()), rel=1e-12)


def test_walsh_hadamard_matches_the_matrix() -> None:
    for d in range(7):
        X = P.all_inputs(max(d, 1))[: 2**d]
        H = (-1.0) ** (X @ X.T) if d else np.ones((1, 1))
        values = np.random.default_rng(d).normal(size=(2**d, 3))
        np.testing.assert_allclose(P.walsh_hadamard(values), H @ values, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("d", "k", "seed"), [(1, 3, 0), (3, 5, 1), (5, 9, 2), (7, 12, 3)])
def test_mask_gradients_naive_fast_and_closed_form_agree(d: int, k: int, seed: int) -> None:
    p = random_params(d, k, seed, scale=0.7)
    fast = P.mask_gradients(p, d)
    naive = P.mask_gradients_naive(p, d)
    np.testing.assert_allclose(fast, naive, rtol=1e-12, atol=1e-15)
    a = P.common_gradient(p, d)
    by_naive = float(((naive - a) ** 2).sum(axis=1).mean())
    closed = P.gradient_variance(p, d)
    assert closed == pytest.approx(by_naive, rel=1e-12)
    assert closed <= P.variance_bound(p) / 2**d


@settings(max_examples=25, deadline=None)
@given(
    d=st.integers(1, 5),
    k=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([0.1, 1.0, 3.0]),
)
def test_mask_gradients_property(d: int, k: int, seed: int, scale: float) -> None:
    p = random_params(d, k, seed, scale)
    np.testing.assert_allclose(
        P.mask_gradients(p, d), P.mask_gradients_naive(p, d), rtol=1e-12, atol=1e-14
    )
    G = P.mask_gradients(p, d) - P.common_gradient(p, d)
    assert P.gradient_variance(p, d) == pytest.approx(
        float((G**2).sum(axis=1).mean()), rel=1e-12, abs=1e-300
    )


def test_decomposition_at_the_construction() -> None:
    # at the exact network for v, the gradient for v vanishes but not for other masks
    v = np.array([1, 0, 1, 1, 0])
    p = P.exact_parity_network(v)
    G = P.mask_gradients(p, 5)
    index = int("".join(map(str, v)), 2)
    assert np.array_equal(G[index], np.zeros(G.shape[1]))
    assert np.abs(np.delete(G, index, axis=0)).sum(axis=1).min() > 0


def test_chunking_does_not_change_the_exact_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    p = random_params(9, 8, 5, scale=0.5)
    v = np.ones(9, int)
    whole = (
        P.gradient_variance(p, 9),
        P.population_gradient(p, v),
        P.common_gradient(p, 9),
        P.population_risk(p, v),
    )
    monkeypatch.setattr(P, "CHUNK", 16)
    monkeypatch.setattr(P, "BLOCK_BITS", 4)
    chunked = (
        P.gradient_variance(p, 9),
        P.population_gradient(p, v),
        P.common_gradient(p, 9),
        P.population_risk(p, v),
    )
    assert chunked[0] == pytest.approx(whole[0], rel=1e-13)
    np.testing.assert_allclose(chunked[1], whole[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(chunked[2], whole[2], rtol=1e-12, atol=1e-15)
    assert chunked[3] == pytest.approx(whole[3], rel=1e-13)


def test_common_gradient_is_the_mask_free_part() -> None:
    # a = grad R_v - E_x[chi_v g]; at v = 0, chi_v = 1, so a = grad R_0 - E_x[g]
    p = random_params(6, 7, 9)
    X = P.all_inputs(6)
    f = P.network_output(p, X)
    g = -((f < 1).astype(float) + (-f < 1))[:, None] / 2 * P.output_gradients(p, X)
    np.testing.assert_allclose(
        P.common_gradient(p, 6),
        P.population_gradient(p, np.zeros(6, int)) - g.mean(axis=0),
        rtol=1e-12,
        atol=1e-15,
    )


# --- bad input ---------------------------------------------------------------------------

GOOD = P.exact_parity_network([1, 0, 1])


BAD_INPUT = [
    (lambda: P.parity_labels([[0, 1, 2]], [1, 1, 1]), ValueError, "x must contain only 0"),
    (lambda: P.parity_labels([[0, 1, 1]], [1, 0.5, 1]), ValueError, "v must contain only 0"),
    (lambda: P.parity_labels([[0, 1]], [1, 0, 1]), ValueError, "x has d = 2"),
    (lambda: P.parity_labels([[[0]]], [1]), ValueError, "x must be 1-dimensional or 2"),
    (lambda: P.parity_labels("01", [1]), TypeError, "x must be an array"),
    (lambda: P.parity_labels([[np.nan]], [1]), ValueError, "x must contain only finite"),
    (lambda: P.exact_parity_network([[1, 0]]), ValueError, "v must be 1-dimensional"),
    (lambda: P.exact_parity_network([1, 3]), ValueError, "v must contain only 0"),
    (lambda: P.exact_parity_network([1, 0], k=2.5), TypeError, "k must be an integer"),
    (lambda: P.exact_parity_network([1, 0], k=0), ValueError, "k must be >= 1"),
    (lambda: P.exact_parity_network([], k=3), ValueError, "v must not be empty"),
    (lambda: P.network_output(GOOD, [[0, 1]]), ValueError, "x has d = 2"),
    (lambda: P.network_output(GOOD, [0.5, 1, 0]), ValueError, "x must contain only 0"),
    (lambda: P.network_output((GOOD.W, GOOD.b), [0, 1, 0]), ValueError, "four parts"),
    (lambda: P.network_output(3, [0, 1, 0]), TypeError, "params must be a tuple"),
    (
        lambda: P.network_output((GOOD.W, GOOD.b[:2], GOOD.alpha, 0), [0, 1, 0]),
        ValueError,
        "b must have shape",
    ),
    (
        lambda: P.network_output((GOOD.W, GOOD.b, GOOD.alpha, [1, 2]), [0, 1, 0]),
        ValueError,
        "beta must be a scalar",
    ),
    (
        lambda: P.network_output((GOOD.W[0], GOOD.b, GOOD.alpha, 0), [0, 1, 0]),
        ValueError,
        "W must be 2-dimensional",
    ),
    (
        lambda: P.network_output((GOOD.W + np.inf, GOOD.b, GOOD.alpha, 0), [0, 1, 0]),
        ValueError,
        "W must contain only finite",
    ),
    (lambda: P.output_gradients(GOOD, [[0, 1]]), ValueError, "x has d = 2"),
    (lambda: P.population_gradient(GOOD, [1, 0]), ValueError, "v has d = 2 coordinates but"),
    (lambda: P.population_gradient(GOOD, [1, 0, 2]), ValueError, "v must contain only 0"),
    (
        lambda: P.population_gradient(random_params(25, 2), np.ones(25, int)),
        ValueError,
        "the limit is d <= 24",
    ),
    (lambda: P.mask_gradients(GOOD, 4), ValueError, "d=4 does not match"),
    (lambda: P.mask_gradients(GOOD, 0), ValueError, "d must be >= 1"),
    (lambda: P.mask_gradients(GOOD, 3.0), TypeError, "d must be an integer"),
    (
        lambda: P.mask_gradients(random_params(20, 30), 20),
        ValueError,
        "use gradient_variance for larger d",
    ),
    (lambda: P.mask_gradients_naive(GOOD, 2), ValueError, "d=2 does not match"),
    (lambda: P.common_gradient(GOOD, 2), ValueError, "d=2 does not match"),
    (lambda: P.gradient_variance(GOOD, 5), ValueError, "d=5 does not match"),
    (lambda: P.gradient_variance(random_params(30, 2), 30), ValueError, "d <= 24"),
    (lambda: P.gradient_variance("params", 3), TypeError, "params must be a tuple"),
    (lambda: P.walsh_hadamard(np.ones(6)), ValueError, "power-of-two length"),
    (lambda: P.gradient_bound((GOOD.W, GOOD.b, GOOD.alpha)), ValueError, "four parts"),
    (lambda: P.variance_bound(None), TypeError, "params must be a tuple"),
    (lambda: P.flatten((GOOD.W, GOOD.b, "a", 0)), TypeError, "alpha must be an array"),
    (lambda: P.all_inputs(3, 2, 9), ValueError, "stop must be <= 2"),
    (lambda: P.all_inputs(3, 5, 2), ValueError, "stop must be >= 5"),
    (lambda: P.n_params(0, 3), ValueError, "d must be >= 1"),
    (lambda: P.minimum_units(True), TypeError, "d must be an integer"),
    (lambda: T.train_parity_networks((), steps=10), TypeError, "dims must be"),
    (lambda: T.train_parity_networks((100,), steps=10), ValueError, "dims must be <= 64"),
    (lambda: T.train_parity_networks((3,), steps=0), ValueError, "steps must be >= 1"),
    (lambda: T.train_parity_networks((3,), steps=15, log_every=10), ValueError, "multiple"),
    (
        lambda: T.train_parity_networks((3,), steps=10, log_every=5, lr=-1.0),
        ValueError,
        "lr must be",
    ),
    (
        lambda: T.train_parity_networks((3,), steps=10, log_every=5, optimizer="rmsprop"),
        ValueError,
        "optimizer must be",
    ),
    (lambda: T.train_parity_networks((3,), batch_size=0), ValueError, "batch_size must"),
    (lambda: T.train_parity_networks((3, 3), steps=10, log_every=5), ValueError, "distinct"),
    (lambda: T.layer_gradient_norms(0), ValueError, "depth must be >= 1"),
    (lambda: T.layer_gradient_norms(3, activation="tanh"), ValueError, "activation must"),
    (lambda: T.layer_gradient_norms(3, d=65), ValueError, "d must be <= 64"),
    (lambda: T.layer_gradient_norms(3, width=0), ValueError, "width must be >= 1"),
]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    BAD_INPUT,
    ids=[f"{i:02d}-{case[2]}" for i, case in enumerate(BAD_INPUT)],
)
def test_bad_input(call: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()  # type: ignore[operator]


# --- training ---------------------------------------------------------------------------


def test_training_learns_small_parity_and_records_shapes() -> None:
    torch.set_num_threads(1)
    run = T.train_parity_networks((3, 4), steps=1500, lr=0.01, log_every=500, seed=3)
    assert run.dims == (3, 4)
    assert run.loss.shape == run.accuracy.shape == (2, 3)
    assert list(run.step) == [500, 1000, 1500]
    assert run.params[1].W.shape == (40, 4)
    assert np.all(run.masks[0, 3:] == 0)
    # d = 3 is learned exactly: check on all inputs with the numpy network
    X = P.all_inputs(3)
    out = P.network_output(run.params[0], X)
    assert np.array_equal(np.sign(out), P.parity_labels(X, run.masks[0, :3]))


def test_padding_does_not_change_a_network() -> None:
    torch.set_num_threads(1)
    for optimizer, lr in (("adam", 0.01), ("sgd", 0.1)):
        alone = T.train_parity_networks((3,), steps=200, lr=lr, log_every=100, optimizer=optimizer)
        padded = T.train_parity_networks(
            (7, 3), steps=200, lr=lr, log_every=100, optimizer=optimizer
        )
        assert np.array_equal(padded.masks[1, :3], alone.masks[0])
        for mine, theirs in zip(padded.params[1], alone.params[0], strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(padded.loss[1], alone.loss[0], rtol=1e-5)


def test_stored_training_run_has_the_declared_settings() -> None:
    """docs/learnability/parity_training.npz holds the run dlhw.cached_runs declares."""
    from dlhw.cached_runs import get

    run = get("parity")
    settings = run.settings
    assert isinstance(settings, dict)
    stored = np.load(run.file())
    for key, value in settings.items():
        if "__settings__" in stored.files:
            break
        assert np.array_equal(stored[f"setting_{key}"], value), key
    dims, steps, every = (settings[k] for k in ("dims", "steps", "log_every"))
    assert list(stored["dims"]) == list(dims)
    assert list(stored["step"]) == list(range(every, steps + 1, every))
    assert stored["loss"].shape == stored["accuracy"].shape == (len(dims), steps // every)
    for d in dims:
        assert stored[f"W_{d}"].shape == (settings["units_per_dim"] * d, d)


def test_layer_gradient_norms_shrink_with_depth_for_sigmoid() -> None:
    torch.set_num_threads(1)
    norms = T.layer_gradient_norms(8, d=6, width=16, samples=256, seeds=2)
    assert norms.shape == (9,)
    assert norms[0] < norms[-2] < norms[-1]
    relu = T.layer_gradient_norms(3, d=6, width=16, activation="relu", samples=256, seeds=1)
    assert relu.shape == (4,)
    assert np.all(relu > 0)


# --- guards and numerical range --------------------------------------------------------------


def test_all_inputs_start_and_stop_must_be_consistent() -> None:
    with pytest.raises(ValueError, match=r"^start must be <= 2\^d = 8, got 100"):
        P.all_inputs(3, start=100)  # used to return an empty array
    assert P.all_inputs(3, start=8).shape == (0, 3)  # the empty tail, like list[8:]
    np.testing.assert_array_equal(P.all_inputs(3, 2, 5), P.all_inputs(3)[2:5])
    with pytest.raises(ValueError, match=r"^d=24, start=0, stop=16777216 .*MAX_ENTRIES"):
        P.all_inputs(24)  # 3 GB: refused, while the chunked exact sums still reach d = 24


def test_exact_work_guard_names_d_params_and_the_constant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big = P.exact_parity_network(np.ones(24, dtype=int))
    with pytest.raises(ValueError, match=r"^d=24 with params of .*MAX_EXACT_WORK"):
        P.gradient_variance(big, 24)
    with pytest.raises(ValueError, match=r"^d=24 .*MAX_EXACT_WORK"):
        P.population_gradient(big, np.ones(24, dtype=int))
    with pytest.raises(ValueError, match=r"^d=16 .*4\^d.*MAX_NAIVE_WORK"):
        P.mask_gradients_naive(random_params(16, 30), 16)
    p = random_params(4, 3)
    monkeypatch.setattr(P, "MAX_EXACT_WORK", 10)
    with pytest.raises(ValueError, match="MAX_EXACT_WORK"):
        P.common_gradient(p, 4)


def test_huge_weights_work_where_the_result_is_finite_and_are_refused_where_not() -> None:
    p = P.exact_parity_network([1, 0, 1])
    huge = P.Params(p.W * 1e300, p.b, p.alpha * 1e300, p.beta)
    g = P.output_gradients(huge, P.all_inputs(3))  # alpha_i · x and relu(z): finite
    assert np.all(np.isfinite(g))
    for call in (
        lambda: P.network_output(huge, P.all_inputs(3)),
        lambda: P.population_risk(huge, [1, 0, 1]),
        lambda: P.population_gradient(huge, [1, 0, 1]),
        lambda: P.common_gradient(huge, 3),
        lambda: P.mask_gradients(huge, 3),
        lambda: P.gradient_variance(huge, 3),
    ):
        with pytest.raises(ValueError, match=r"^params are too large: the network output"):
            call()
    with pytest.raises(ValueError, match=r"^params are too large: the variance bound"):
        P.variance_bound(huge)


def test_n_params_has_no_integer_overflow() -> None:
    d, k = np.int64(2**40), np.int64(2**40)
    assert P.n_params(d, k) == 2**80 + 2**41 + 1  # numpy int64 would wrap around


def test_walsh_hadamard_needs_an_axis_and_finite_sums() -> None:
    with pytest.raises(ValueError, match="at least 1-dimensional"):
        P.walsh_hadamard(3.0)
    with pytest.raises(ValueError, match="overflow"):
        P.walsh_hadamard(np.full(4, 1e308))


def test_training_guards_and_divergence() -> None:
    torch.set_num_threads(1)
    with pytest.raises(ValueError, match=r"^steps must be <= 100000"):
        T.train_parity_networks((3,), steps=10**9, log_every=10)
    with pytest.raises(ValueError, match=r"^batch_size must be <= 65536"):
        T.train_parity_networks((3,), steps=10, batch_size=10**6, log_every=5)
    with pytest.raises(ValueError, match=r"^dims=\(2,\) with batch_size=8, units_per_dim="):
        T.train_parity_networks((2,), steps=10, batch_size=8, units_per_dim=10**7, log_every=5)
    with pytest.raises(ValueError, match=r"^lr=1e\+30 is too large: training diverged"):
        T.train_parity_networks((3,), steps=20, log_every=10, lr=1e30, optimizer="sgd")
    with pytest.raises(ValueError, match=r"^lr must be at most 3\.4e38"):
        T.train_parity_networks((3,), steps=20, log_every=10, lr=1e300)
    with pytest.raises(ValueError, match=r"^seeds=1000000, .*MAX_WORK"):
        T.layer_gradient_norms(2, d=3, width=4, samples=16, seeds=10**6)


def test_layer_gradient_norms_leaves_torch_global_random_state_alone() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = T.layer_gradient_norms(2, d=4, width=8, samples=32, seeds=2)
    assert torch.equal(torch.rand(3), expected)
    assert np.array_equal(T.layer_gradient_norms(2, d=4, width=8, samples=32, seeds=2), first)


# --- additions for the chapters: prefixes of the construction, d units, deep sigmoid -----


@pytest.mark.parametrize("d", range(1, 9))
def test_construction_prefix_is_the_construction_cut_short(d: int) -> None:
    v = np.ones(d, dtype=int)
    need = P.minimum_units(d)
    full = P.exact_parity_network(v, need + 4)
    for k in range(1, need + 5):
        p = P.construction_prefix(v, k)
        assert p.W.shape == (k, d)
        for mine, theirs in zip(p[:3], full[:3], strict=True):
            assert np.array_equal(mine, theirs[:k])
        assert p.beta == -1.0
    for k in (need, need + 3):
        for mine, theirs in zip(
            P.construction_prefix(v, k), P.exact_parity_network(v, k), strict=True
        ):
            assert np.array_equal(mine, theirs)


@pytest.mark.parametrize("d", range(1, 9))
def test_fewest_prefix_units_of_the_construction(d: int) -> None:
    """3d/2 + 1 units for even d, all 3 (floor(d/2) + 1) for odd d: and no fewer."""
    X = P.all_inputs(d)
    fewest = 3 * d // 2 + 1 if d % 2 == 0 else P.minimum_units(d)
    for k in range(1, P.minimum_units(d) + 3):
        ok = all(
            np.array_equal(P.network_output(P.construction_prefix(v, k), X), P.parity_labels(X, v))
            for v in X
        )
        assert ok == (k >= fewest), k


def test_construction_prefix_outputs_match_each_prefix() -> None:
    rng = np.random.default_rng(3)
    for d in (1, 4, 7):
        X = P.all_inputs(d)
        v = rng.integers(0, 2, d)
        table = P.construction_prefix_outputs(v, X, P.minimum_units(d) + 2)
        for k in range(1, table.shape[0] + 1):
            assert np.array_equal(table[k - 1], P.network_output(P.construction_prefix(v, k), X))


@pytest.mark.parametrize("d", range(1, 10))
def test_interpolating_network_has_d_units_and_is_exact(d: int) -> None:
    X = P.all_inputs(d)
    for v in X:
        p = P.interpolating_network(v)
        assert p.W.shape == (d, d)
        assert np.array_equal(P.network_output(p, X), P.parity_labels(X, v))


def test_prefix_and_interpolating_network_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="k must be >= 1"):
        P.construction_prefix([1, 0], 0)
    with pytest.raises(ValueError, match="v must contain only 0 and 1"):
        P.interpolating_network([1, 2])
    with pytest.raises(ValueError, match="x has d = 3 coordinates but v has 2"):
        P.construction_prefix_outputs([1, 0], np.zeros((2, 3), int), 2)


def test_sigmoid_network_gradients_match_the_decomposition() -> None:
    """Per-mask autograd = a + E_x[chi_v g], and outputs / per-input rows are consistent."""
    torch.set_num_threads(1)
    d = 4
    grads = T.sigmoid_network_gradients(d, depth=2, width=5, seed=1, output_scale=40.0)
    f, J = grads.outputs, grads.per_input
    up, down = (f < 1).astype(float), (-f < 1).astype(float)
    a = (-((up - down) / 2)[:, None] * J).mean(axis=0)
    G = -((up + down) / 2)[:, None] * J
    np.testing.assert_allclose(grads.per_mask, a + P.walsh_hadamard(G) / 2**d, rtol=0, atol=1e-12)
    assert np.abs(a).max() > 0
    with pytest.raises(ValueError, match="d must be <= 10"):
        T.sigmoid_network_gradients(11)


def test_training_seeds_fit_a_torch_generator() -> None:
    from dlhw import parity_training

    assert parity_training.MAX_TRAIN_SEED * 1_000_003 + parity_training.MAX_TRAIN_D < 2**64
    with pytest.raises(ValueError, match=r"seed must be <= .*MAX_TRAIN_SEED"):
        parity_training.train_parity_networks([3], seed=parity_training.MAX_TRAIN_SEED + 1)
    with pytest.raises(ValueError, match="depth=1000000000000"):
        parity_training.sigmoid_network_gradients(3, depth=10**12, width=4)
