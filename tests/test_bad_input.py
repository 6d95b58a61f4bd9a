"""Every public function of every ``dlhw`` module refuses bad input.

For graphs, gd, sgd, parity, parity_training and validation: a call with good
arguments, and for each argument a hypothesis strategy of values that are wrong next
to the good others (wrong type, shape, dtype, NaN/inf, negative or huge sizes,
booleans, strings, None). One bad argument at a time, the call must raise
``ValueError`` or ``TypeError`` whose message names that argument, within the
hypothesis deadline (1 s). The validation helpers get the same treatment, then unit
tests of their own.

For the other modules the good calls are those of the fuzzer ``tools/fuzz_inputs.py``
(one table for both), and the bad values are the fuzzer's *certainly invalid* ones for
each argument's annotation (``None`` for a required argument, NaN/inf, ``"no"`` for a
bool, a string for a number, ragged, complex or string arrays...), each asserted the
same way under a time limit. Values that the generic lists get wrong for one argument
are listed in the fuzzer's ``VALID``, with the reason.
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import math
import re
import signal
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlhw import gd, graphs, parity, parity_training, sgd, validation

DEADLINE = 1000  # milliseconds per refused call
SETTINGS = settings(
    max_examples=60, deadline=DEADLINE, suppress_health_check=[HealthCheck.too_slow]
)

# --- strategies of bad values -----------------------------------------------------------

nan_inf = st.sampled_from([math.nan, math.inf, -math.inf])
junk = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0),
    st.just(object()),
    st.just({1: 2}),
    st.just({1, 2}),
    st.just(itertools.count()),
)
# anything that is not an integer (booleans and integral floats included)
not_int = st.one_of(
    junk, st.booleans(), st.floats(allow_nan=True), st.just(np.float64(3.0)), st.just([3])
)
negative = st.integers(max_value=-1)
huge = st.integers(min_value=10**9, max_value=10**40)


def bad_int(*, least: int = 0, big: bool = False) -> st.SearchStrategy[Any]:
    """Non-integers, integers below ``least``, and (with ``big``) absurdly large ones."""
    parts = [not_int, st.integers(max_value=least - 1)]
    if big:
        parts.append(huge)
    return st.one_of(*parts)


not_bool = st.one_of(st.integers(), st.text(max_size=4), st.none(), st.floats(), st.just([True]))
bad_positive = st.one_of(
    junk,
    st.booleans(),
    st.floats(max_value=0.0),
    nan_inf,
    st.integers(max_value=0),
    st.just(10**400),
    st.just(Fraction(10**400, 3)),
    st.just(np.array([0.1, 0.2])),
)


def bad_choice(choices: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.text(max_size=6).filter(lambda s: s not in choices),
        st.integers(),
        st.none(),
        st.just([choices[0]]),
        st.just(choices[0].encode()),
    )


def bad_array(
    shape: tuple[int, ...], *, bools_ok: bool = False, deeper_ok: bool = False
) -> st.SearchStrategy[Any]:
    """Arrays wrong wherever a finite real array of ``shape`` is expected."""
    good = np.ones(shape)
    poisoned = []
    for value in (np.nan, np.inf, -np.inf):
        one = good.copy()
        one.flat[-1] = value
        poisoned.append(one)
    options = [
        *poisoned,
        good.astype(complex) * 1j,
        good.astype(object),
        good.astype(str),
        np.zeros((0, *shape[1:])),
        *([] if deeper_ok else [np.ones((*shape, 2))]),
        np.ma.masked_array(good, mask=np.ones(shape, dtype=bool)),
        [[1.0, 2.0], [3.0]],
        [[1.0, None]],
    ]
    if not bools_ok:
        options.append(np.ones(shape, dtype=bool))
    return st.one_of(junk, st.sampled_from(options))


def shaped(*shapes: tuple[int, ...]) -> st.SearchStrategy[Any]:
    """Finite arrays of the given (wrong) shapes."""
    return st.sampled_from([np.ones(s) for s in shapes])


seed_bad = st.one_of(
    st.text(max_size=3), st.booleans(), st.floats(), negative, st.just([1, 2]), st.just(object())
)

# --- the registry: function, good arguments, bad values per argument -------------------

PATH4 = np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]])
K3 = np.ones((3, 3), dtype=int) - np.eye(3, dtype=int)
ADJ_BAD = st.one_of(
    bad_array((4, 4), bools_ok=True),
    st.sampled_from(
        [
            np.array([[0, 1], [0, 0]]),  # not symmetric
            np.array([[0, 2], [2, 0]]),
            np.array([[0, 0.5], [0.5, 0]]),
            np.ones((2, 3)),
            np.ones(4),
            np.ones((2, 2, 2, 2)),
        ]
    ),
)
rng = np.random.default_rng(0)
X6 = rng.normal(size=(6, 3))
Y6 = rng.normal(size=6)
XW = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
YW = np.array([1.0, 2.0])
NET = parity.exact_parity_network([1, 0, 1])
X8 = parity.all_inputs(3)
PARAMS_BAD = st.one_of(
    junk,
    st.sampled_from(
        [
            (NET.W, NET.b, NET.alpha),
            (NET.W[0], NET.b, NET.alpha, NET.beta),
            (NET.W, NET.b[:2], NET.alpha, NET.beta),
            (NET.W, NET.b, NET.alpha, [1.0, 2.0]),
            (NET.W * np.nan, NET.b, NET.alpha, NET.beta),
            (NET.W, NET.b, NET.alpha, True),
            (NET.W, NET.b, "alpha", NET.beta),
            {"W": NET.W},
        ]
    ),
)

Registry = list[tuple[str, Callable[..., Any], dict[str, Any], dict[str, Any]]]

GRAPHS: Registry = [
    (
        name,
        getattr(graphs, name),
        {"adjacency": PATH4, "length": 3, "directed": False},
        {"adjacency": ADJ_BAD, "length": bad_int(), "directed": not_bool},
    )
    for name in ("count_walks", "walk_counts_by_enumeration", "reachable_within")
] + [
    (
        "count_walks(huge length)",
        graphs.count_walks,
        {"adjacency": K3, "length": 3},
        {"length": st.integers(10**7, 10**40)},
    ),
    (
        "walk_counts_by_enumeration(huge length)",
        graphs.walk_counts_by_enumeration,
        {"adjacency": np.zeros((1, 1), int), "length": 3},
        {"length": huge},
    ),
    (
        "adjacency_matrix",
        graphs.adjacency_matrix,
        {"adjacency": PATH4, "directed": False, "name": "adjacency"},
        {"adjacency": ADJ_BAD, "directed": not_bool},
    ),
    (
        "walks",
        graphs.walks,  # refused at the call, before any next()
        {"adjacency": PATH4, "start": 0, "end": 2, "length": 4, "directed": False},
        {
            "adjacency": ADJ_BAD,
            "start": st.one_of(bad_int(), st.integers(4, 10**30)),
            "end": st.one_of(bad_int(), st.integers(4, 10**30)),
            "length": bad_int(big=True),
            "directed": not_bool,
        },
    ),
    (
        "all_graphs",
        graphs.all_graphs,
        {"n": 3, "directed": False},
        {"n": st.one_of(bad_int(least=1), st.integers(7, 10**30)), "directed": not_bool},
    ),
    (
        "linear_gnn",
        graphs.linear_gnn,
        {"adjacency": PATH4, "layers": 3, "aggregate": "sum", "directed": False},
        {
            "adjacency": st.one_of(ADJ_BAD, st.just(graphs.all_graphs(2))),
            "layers": bad_int(big=True),
            "aggregate": bad_choice(("sum", "max")),
            "directed": not_bool,
        },
    ),
]

X_BAD = st.one_of(bad_array((6, 3)), shaped((6,), (2, 3, 3)))
Y_BAD = st.one_of(bad_array((6,)), shaped((5,), (6, 1)))
W0_BAD = st.one_of(bad_array((3,)).filter(lambda v: v is not None), shaped((2,), (1, 3)))
GD: Registry = (
    [
        (name, getattr(gd, name), {"X": X6}, {"X": X_BAD})
        for name in ("hessian", "hessian_eigenvalues")
    ]
    + [
        (name, getattr(gd, name), {"X": X6}, {"X": st.one_of(X_BAD, shaped((6, 3)))})
        for name in ("condition_number", "optimal_step", "heavy_ball_parameters")
    ]
    + [
        (
            "least_squares_solution",
            gd.least_squares_solution,
            {"X": X6, "y": Y6},
            {"X": X_BAD, "y": Y_BAD},
        ),
        (
            "losses",
            gd.losses,
            {"X": X6, "y": Y6, "W": np.ones((4, 3))},
            {"X": X_BAD, "y": Y_BAD, "W": st.one_of(bad_array((4, 3)), shaped((4, 2), (2, 2, 3)))},
        ),
        (
            "contraction_factor",
            gd.contraction_factor,
            {"X": X6, "eta": 0.01},
            {"X": X_BAD, "eta": bad_positive},
        ),
        (
            "gd",
            gd.gd,
            {"X": X6, "y": Y6, "eta": 0.05, "steps": 5},
            {
                "X": X_BAD,
                "y": Y_BAD,
                "eta": bad_positive,
                "steps": bad_int(big=True),
                "w0": W0_BAD,
            },
        ),
        (
            "heavy_ball",
            gd.heavy_ball,
            {"X": X6, "y": Y6, "steps": 5},
            {
                "X": X_BAD,
                "y": Y_BAD,
                "steps": bad_int(big=True),
                "alpha": bad_positive.filter(lambda v: v is not None),
                "beta": st.one_of(
                    st.floats(1.0, 1e300),
                    st.floats(max_value=-1e-9),
                    nan_inf,
                    junk.filter(lambda v: v is not None),
                ),
                "w0": W0_BAD,
            },
        ),
        (
            "suboptimality_bound",
            gd.suboptimality_bound,
            {"X": X6, "y": Y6, "eta": 0.05, "t": 3},
            {
                "X": X_BAD,
                "y": Y_BAD,
                "eta": bad_positive,
                "t": st.one_of(
                    negative,
                    st.floats(),
                    st.booleans(),
                    st.text(max_size=3),
                    st.just([1, -1]),
                    st.just([1.5]),
                    st.just(np.array([], int)),
                    st.just([[1]]),
                ),
                "w0": W0_BAD,
            },
        ),
        (
            "heavy_ball_matrix",
            gd.heavy_ball_matrix,
            {"X": X6, "alpha": 0.01, "beta": 0.5},
            {
                "X": st.one_of(X_BAD, st.just(np.ones((2, 4000)))),
                "alpha": bad_positive,
                "beta": st.one_of(st.floats(max_value=-1e-9), nan_inf, junk),
            },
        ),
        (
            "ill_conditioned",
            gd.ill_conditioned,
            {"n": 4, "alpha": 1.0, "condition": 10.0, "rng": np.random.default_rng(1)},
            {
                "n": bad_int(least=1, big=True),
                "alpha": bad_positive,
                "condition": st.one_of(bad_positive, st.floats(0.0, 0.999), st.just(1e20)),
                "rng": st.one_of(junk, st.integers(), st.just(np.random.RandomState(0))),
            },
        ),
    ]
)

XW_BAD = st.one_of(
    bad_array((2, 3)),
    st.sampled_from([XW.T, np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]), np.ones(3)]),
)
YW_BAD = st.one_of(bad_array((2,)), shaped((3,), (2, 1)))
RUN_BAD = {
    "X": XW_BAD,
    "y": YW_BAD,
    "steps": bad_int(big=True),
    "runs": st.one_of(bad_int(least=1), st.integers(10**9, 10**30)),
    "seed": seed_bad,
    "w0": st.one_of(bad_array((3,)).filter(lambda v: v is not None), shaped((2,), (3, 3))),
    "every": bad_int(least=1),
}
CONSTANTS = sgd.lyapunov_constants(XW)
SGD: Registry = [
    ("min_norm_solution", sgd.min_norm_solution, {"X": XW, "y": YW}, {"X": XW_BAD, "y": YW_BAD}),
    ("lyapunov_constants", sgd.lyapunov_constants, {"X": XW}, {"X": XW_BAD}),
    ("LyapunovConstants.factor", CONSTANTS.factor, {"eta": 0.1}, {"eta": bad_positive}),
    ("kaczmarz_rate", sgd.kaczmarz_rate, {"X": XW}, {"X": XW_BAD}),
    (
        "expected_lyapunov_ratio",
        sgd.expected_lyapunov_ratio,
        {"X": XW, "w": np.ones(3), "eta": 0.1},
        {
            "X": XW_BAD,
            "w": st.one_of(bad_array((3,)), shaped((2,), (2, 2, 3)), st.just(np.zeros(3))),
            "eta": bad_positive,
            "y": YW_BAD.filter(lambda v: v is not None),
        },
    ),
    (
        "run_sgd",
        sgd.run_sgd,
        {"X": XW, "y": YW, "eta": 0.1, "steps": 10, "runs": 2, "seed": 0},
        {
            **RUN_BAD,
            "eta": bad_positive,
            "indices": st.one_of(
                bad_array((10, 2)).filter(lambda v: v is not None),
                st.sampled_from(
                    [np.full((10, 2), 5), np.zeros((10, 2)) + 0.5, np.zeros((3, 2), int)]
                ),
            ),
        },
    ),
    (
        "run_kaczmarz",
        sgd.run_kaczmarz,
        {"X": XW, "y": YW, "steps": 10, "runs": 2, "seed": 0},
        RUN_BAD,
    ),
    (
        "mean_square_rate",
        sgd.mean_square_rate,
        {"X": XW, "eta": 0.1, "method": "sgd"},
        {
            "X": st.one_of(XW_BAD, st.just(np.hstack([np.eye(60), np.ones((60, 1))]))),
            "eta": bad_positive,
            "method": bad_choice(("sgd", "kaczmarz")),
        },
    ),
    (
        "expected_curves",
        sgd.expected_curves,
        {"X": XW, "y": YW, "steps": 5, "eta": 0.1, "method": "sgd"},
        {
            "X": XW_BAD,
            "y": YW_BAD,
            "steps": bad_int(big=True),
            "eta": bad_positive,
            "method": bad_choice(("sgd", "kaczmarz")),
        },
    ),
    (
        "ridge_solution",
        sgd.ridge_solution,
        {"X": XW, "y": YW, "lam": 1.0},
        {"X": bad_array((2, 3)), "y": YW_BAD, "lam": st.one_of(bad_positive, st.just(1e-40))},
    ),
    (
        "ridge_augmented",
        sgd.ridge_augmented,
        {"X": XW, "y": YW, "lam": 1.0, "form": "tall"},
        {
            "X": st.one_of(bad_array((2, 3)), st.just(np.ones((2, 10**5)))),
            "y": YW_BAD,
            "lam": bad_positive,
            "form": bad_choice(("tall", "wide")),
        },
    ),
    (
        "tikhonov_augmented",
        sgd.tikhonov_augmented,
        {"X": XW, "y": YW, "Gamma": np.eye(3)},
        {
            "X": bad_array((2, 3)),
            "y": YW_BAD,
            "Gamma": st.one_of(bad_array((3, 3)), shaped((2, 2))),
        },
    ),
    (
        "run_ridge_sgd",
        sgd.run_ridge_sgd,
        {"X": XW, "y": YW, "lam": 1.0, "eta": 0.1, "steps": 10, "runs": 2, "seed": 0},
        {
            "X": bad_array((2, 3)),
            "y": YW_BAD,
            "lam": bad_positive,
            "eta": bad_positive,
            "steps": RUN_BAD["steps"],
            "runs": RUN_BAD["runs"],
            "seed": seed_bad,
            "every": RUN_BAD["every"],
            "decay": st.one_of(st.floats(max_value=-1e-9), nan_inf, junk, st.booleans()),
        },
    ),
]

V_BAD = st.one_of(
    bad_array((3,)), st.sampled_from([np.array([1, 0, 2]), np.array([1, 0]), np.ones((1, 3))])
)
V_BAD_ANY_D = st.one_of(  # any length is a valid d
    bad_array((3,)), st.sampled_from([np.array([1, 0, 2]), np.ones((1, 3))])
)
D_BAD = st.one_of(bad_int(least=1), st.sampled_from([2, 4, 25, 10**18]))
PARITY: Registry = [
    ("as_params", parity.as_params, {"params": NET}, {"params": PARAMS_BAD}),
    ("n_params", parity.n_params, {"d": 3, "k": 6}, {"d": bad_int(least=1), "k": bad_int(least=1)}),
    ("flatten", parity.flatten, {"params": NET}, {"params": PARAMS_BAD}),
    (
        "all_inputs",
        parity.all_inputs,
        {"d": 3, "start": 0, "stop": None},
        {
            "d": st.one_of(bad_int(least=1), st.integers(25, 10**30)),
            "start": st.one_of(bad_int(), st.integers(9, 10**30)),
            "stop": st.one_of(
                not_int.filter(lambda v: v is not None), negative, st.integers(9, 10**30)
            ),
        },
    ),
    (
        "all_inputs(d=24)",
        parity.all_inputs,
        {"d": 24},
        {"d": st.just(24)},  # 2^24 x 24 entries: beyond MAX_ENTRIES
    ),
    (
        "parity_labels",
        parity.parity_labels,
        {"x": X8, "v": [1, 0, 1]},
        {
            "x": st.one_of(
                bad_array((8, 3)), st.sampled_from([np.full((8, 3), 2), np.ones((8, 2))])
            ),
            "v": V_BAD,
        },
    ),
    ("minimum_units", parity.minimum_units, {"d": 3}, {"d": bad_int(least=1)}),
    (
        "exact_parity_network",
        parity.exact_parity_network,
        {"v": [1, 0, 1]},
        {
            "v": st.one_of(bad_array((3,)), st.just(np.array([1, 0, 2]))),
            "k": st.one_of(
                bad_int(least=1).filter(lambda v: v is not None), st.integers(0, 5), huge
            ),
        },
    ),
    *[
        (
            name,
            getattr(parity, name),
            {"params": NET, "x": X8},
            {
                "params": PARAMS_BAD,
                "x": st.one_of(
                    bad_array((8, 3)), st.sampled_from([np.full((8, 3), 2), np.ones((8, 2))])
                ),
            },
        )
        for name in ("network_output", "output_gradients")
    ],
    *[
        (name, getattr(parity, name), {"params": NET}, {"params": PARAMS_BAD})
        for name in ("gradient_bound", "variance_bound")
    ],
    *[
        (
            name,
            getattr(parity, name),
            {"params": NET, "v": [1, 0, 1]},
            {"params": PARAMS_BAD, "v": V_BAD},
        )
        for name in ("population_risk", "population_gradient")
    ],
    *[
        (name, getattr(parity, name), {"params": NET, "d": 3}, {"params": PARAMS_BAD, "d": D_BAD})
        for name in (
            "mask_gradients_naive",
            "common_gradient",
            "mask_gradients",
            "gradient_variance",
        )
    ],
    (
        "construction_prefix",
        parity.construction_prefix,
        {"v": [1, 0, 1], "k": 2},
        {"v": V_BAD_ANY_D, "k": st.one_of(bad_int(least=1), huge)},
    ),
    (
        "construction_prefix_outputs",
        parity.construction_prefix_outputs,
        {"v": [1, 0, 1], "x": X8, "k_max": 3},
        {
            "v": V_BAD_ANY_D,
            "x": st.one_of(
                bad_array((8, 3)), st.sampled_from([np.full((8, 3), 2), np.ones((8, 2))])
            ),
            "k_max": st.one_of(bad_int(least=1), huge),
        },
    ),
    (
        "interpolating_network",
        parity.interpolating_network,
        {"v": [1, 0, 1]},
        {"v": V_BAD_ANY_D},
    ),
    (
        "walsh_hadamard",
        parity.walsh_hadamard,
        {"values": np.ones((8, 2))},
        {
            "values": st.one_of(
                bad_array((8, 2), deeper_ok=True), shaped((6,), (6, 2)), st.just(3.0)
            )
        },
    ),
]

TRAINING: Registry = [
    (
        "train_parity_networks",
        parity_training.train_parity_networks,
        {
            "dims": (2,),
            "steps": 10,
            "batch_size": 8,
            "lr": 0.01,
            "units_per_dim": 2,
            "log_every": 5,
        },
        {
            "dims": st.one_of(
                junk,
                st.sampled_from(
                    [(), (0,), (2, 2), (2.5,), (True,), (100,), ("2",), np.array([2, 3])]
                ),
            ),
            "steps": st.one_of(bad_int(least=1, big=True), st.just(7)),
            "batch_size": bad_int(least=1, big=True),
            "lr": st.one_of(bad_positive, st.just(1e300)),
            "units_per_dim": bad_int(least=1, big=True),
            "optimizer": bad_choice(("adam", "sgd")),
            "log_every": st.one_of(bad_int(least=1), st.just(3)),
            "seed": st.one_of(not_int, negative),
        },
    ),
    (
        "layer_gradient_norms",
        parity_training.layer_gradient_norms,
        {"depth": 2, "d": 3, "width": 4, "samples": 16, "seeds": 1},
        {
            "depth": bad_int(least=1, big=True),
            "d": st.one_of(bad_int(least=1), st.integers(65, 10**9)),
            "width": bad_int(least=1, big=True),
            "activation": bad_choice(("sigmoid", "relu")),
            "samples": bad_int(least=1, big=True),
            "seeds": bad_int(least=1, big=True),
        },
    ),
]

TRAINING.append(
    (
        "sigmoid_network_gradients",
        parity_training.sigmoid_network_gradients,
        {"d": 3, "depth": 2, "width": 4},
        {
            # huge depth/width: MemoryError in parity_training (reported to the lead; not
            # drawn here, the allocation attempt is tens of terabytes)
            "d": bad_int(least=1, big=True),
            "depth": bad_int(least=1),
            "width": bad_int(least=1),
            "seed": st.one_of(not_int, negative),
            "output_scale": bad_positive,
        },
    )
)

VALIDATION: Registry = [
    ("as_int", validation.as_int, {"value": 3, "name": "arg"}, {"value": not_int}),
    ("as_bool", validation.as_bool, {"value": True, "name": "arg"}, {"value": not_bool}),
    (
        "as_choice",
        validation.as_choice,
        {"value": "a", "name": "arg", "choices": ("a", "b")},
        {"value": bad_choice(("a", "b"))},
    ),
    (
        "as_positive_float",
        validation.as_positive_float,
        {"value": 0.5, "name": "arg"},
        {"value": bad_positive},
    ),
    (
        "as_real_array",
        validation.as_real_array,
        {"value": X6, "name": "arg", "ndim": 2},
        {"value": X_BAD},
    ),
    ("as_matrix", validation.as_matrix, {"value": X6, "name": "arg"}, {"value": X_BAD}),
    ("as_vector", validation.as_vector, {"value": Y6, "name": "arg", "size": 6}, {"value": Y_BAD}),
    ("as_generator", validation.as_generator, {"seed": 0, "name": "arg"}, {"seed": seed_bad}),
    (
        "check_size",
        validation.check_size,
        {"needed": 3, "limit": 5, "what": "n=3 needs 3", "limit_name": "M.L"},
        {
            "needed": bad_int(),
            "limit": bad_int(),
            "what": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
            "limit_name": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
        },
    ),
    (
        "power_exceeds",
        validation.power_exceeds,
        {"base": 2, "exponent": 3, "limit": 10},
        {"base": bad_int(), "exponent": bad_int(), "limit": bad_int(least=1)},
    ),
    (
        "scale_exponent",
        validation.scale_exponent,
        {"array": X6},
        {"array": bad_array((6, 3), deeper_ok=True)},
    ),
    (
        "finite_result",
        validation.finite_result,
        {"values": Y6, "name": "X", "what": "it"},
        {
            "values": bad_array((6,), deeper_ok=True).filter(
                lambda v: not (isinstance(v, np.ndarray) and v.size == 0)
            ),
            "name": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
            "what": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
        },
    ),
    (
        "as_real",
        validation.as_real,
        {"value": 0.5, "name": "arg"},
        {
            "value": st.one_of(
                st.none(), st.just(float("nan")), st.just(10**400), st.text(max_size=2)
            )
        },
    ),
    (
        "times_power_of_two",
        validation.times_power_of_two,
        {"value": 0.5, "exponent": 3, "name": "arg", "what": "arg · XᵀX"},
        {
            "value": st.one_of(
                st.none(), st.just(float("nan")), st.just(-1.0), st.text(max_size=2)
            ),
            "exponent": not_int,
            "name": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
            "what": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
        },
    ),
    (
        "finite_run",
        validation.finite_run,
        {"values": X6, "steps": np.arange(6), "what": "it", "cause": "eta"},
        {
            "values": st.one_of(st.none(), st.just([]), st.just("no"), st.just([[1j]])),
            "steps": st.one_of(st.none(), st.just([0, 1]), st.just([[0]] * 6), st.just("no")),
            "what": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
            "cause": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
        },
    ),
    (
        "rescale",
        validation.rescale,
        {"values": Y6, "exponent": 3, "name": "X", "what": "it"},
        {
            "values": bad_array((6,), deeper_ok=True),
            "exponent": not_int,
            "name": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
            "what": st.one_of(st.none(), st.integers(), st.binary(max_size=3)),
        },
    ),
]
MESSAGE_NAME = {"value": "arg", "seed": "arg", "values": "X"}  # validation helpers name `name`


def check_refused(fn: Callable[..., Any], good: dict[str, Any], arg: str, value: Any) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        fn(**{**good, arg: value})
    assert type(info.value) in (ValueError, TypeError), repr(info.value)  # not a subclass
    named = fn.__module__ == "dlhw.validation" and fn is not validation.finite_run
    shown = MESSAGE_NAME.get(arg, arg) if named else arg
    assert re.search(rf"(?<![\w]){re.escape(shown)}(?![\w])", str(info.value)), (
        f"{arg}={value!r}: message does not name {shown!r}: {info.value}"
    )


def cases(registry: Registry) -> list[Any]:
    return [
        pytest.param(fn, good, arg, strategy, id=f"{name}-{arg}")
        for name, fn, good, bad in registry
        for arg, strategy in bad.items()
    ]


@pytest.mark.parametrize(("fn", "good", "arg", "strategy"), cases(GRAPHS))
@SETTINGS
@given(data=st.data())
def test_graphs_refuses_bad_input(fn, good, arg, strategy, data) -> None:
    check_refused(fn, good, arg, data.draw(strategy))


@pytest.mark.parametrize(("fn", "good", "arg", "strategy"), cases(GD))
@SETTINGS
@given(data=st.data())
def test_gd_refuses_bad_input(fn, good, arg, strategy, data) -> None:
    check_refused(fn, good, arg, data.draw(strategy))


@pytest.mark.parametrize(("fn", "good", "arg", "strategy"), cases(SGD))
@SETTINGS
@given(data=st.data())
def test_sgd_refuses_bad_input(fn, good, arg, strategy, data) -> None:
    check_refused(fn, good, arg, data.draw(strategy))


@pytest.mark.parametrize(("fn", "good", "arg", "strategy"), cases(PARITY))
@SETTINGS
@given(data=st.data())
def test_parity_refuses_bad_input(fn, good, arg, strategy, data) -> None:
    check_refused(fn, good, arg, data.draw(strategy))


@pytest.mark.parametrize(("fn", "good", "arg", "strategy"), cases(TRAINING))
@settings(max_examples=25, deadline=DEADLINE, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parity_training_refuses_bad_input(fn, good, arg, strategy, data) -> None:
    torch.set_num_threads(1)
    check_refused(fn, good, arg, data.draw(strategy))


@pytest.mark.parametrize(("fn", "good", "arg", "strategy"), cases(VALIDATION))
@SETTINGS
@given(data=st.data())
def test_validation_refuses_bad_input(fn, good, arg, strategy, data) -> None:
    check_refused(fn, good, arg, data.draw(strategy))


# --- every other module: the fuzzer's good calls and certainly-invalid values -----------


def _load_fuzzer() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "tools" / "fuzz_inputs.py"
    spec = importlib.util.spec_from_file_location("fuzz_inputs", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_inputs"] = module
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzzer()
HYPOTHESIS_MODULES = ("graphs", "gd", "sgd", "parity", "parity_training", "validation")
FUZZED_MODULES = tuple(m for m in fuzz.modules() if m not in HYPOTHESIS_MODULES)
CALL_SECONDS = 10  # a refused call is instant; this only stops a hang


def _fuzz_params() -> tuple[list[Any], list[Any], set[str]]:
    refusals, baselines, covered = [], [], set()
    for module in FUZZED_MODULES:
        for case, thunk in fuzz.cases_for(module):
            key = f"{module}.{case.function}"
            if not case.arg:
                if key not in fuzz.BASELINE_REFUSED:  # those need data the tests do not have
                    baselines.append(pytest.param(thunk, id=key))
                continue
            covered.add(key)  # fuzzed; the certainly-invalid values are asserted here
            if not case.certain:
                continue
            ident = f"{key}-{case.arg}-{case.label}"
            refusals.append(pytest.param(case, thunk, id=ident))
    return refusals, baselines, covered


FUZZ_REFUSALS, FUZZ_BASELINES, FUZZ_COVERED = _fuzz_params()


def _alarm(signum: int, frame: object) -> None:
    raise TimeoutError(f"no answer within {CALL_SECONDS} s")


def _within_time_limit(thunk: Callable[[], Any]) -> Any:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CALL_SECONDS)
    try:
        return thunk()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("thunk", FUZZ_BASELINES)
def test_fuzz_baseline_calls_succeed(thunk: Callable[[], Any]) -> None:
    """The good call that each bad argument is swapped into must itself work."""
    torch.set_num_threads(1)
    result = _within_time_limit(thunk)
    record = fuzz.classify(fuzz.Case("", "", "", "baseline", certain=False), result=result)
    assert record["outcome"] == "returned", record


@pytest.mark.parametrize(("case", "thunk"), FUZZ_REFUSALS)
def test_refuses_certainly_invalid_input(case: Any, thunk: Callable[[], Any]) -> None:
    torch.set_num_threads(1)
    try:
        result = _within_time_limit(thunk)
    except fuzz.NotApplicableError:
        pytest.fail("the bad value cannot be made from this good one: fix the fuzz case")
    except Exception as err:  # the type is what is checked
        error: BaseException = err
    else:
        pytest.fail(f"{case.arg}={case.label} accepted: {fuzz.classify(case, result=result)}")
    assert type(error) in (ValueError, TypeError), repr(error)  # not a subclass
    shown = fuzz.NAMED_AS.get((case.module, case.arg), case.arg)
    assert fuzz.names_argument(str(error), shown), (
        f"{case.arg}={case.label}: message does not name {shown!r}: {error}"
    )


def test_every_public_function_is_in_a_registry() -> None:
    registered = {
        fn
        for registry in (GRAPHS, GD, SGD, PARITY, TRAINING, VALIDATION)
        for _, fn, _, _ in registry
    }
    names = {
        name
        for registry in (GRAPHS, GD, SGD, PARITY, TRAINING, VALIDATION)
        for name, *_ in registry
    }
    for module_name in fuzz.modules():
        module = importlib.import_module(f"dlhw.{module_name}")
        for name, member in vars(module).items():
            if (
                callable(member)
                and not name.startswith("_")
                and getattr(member, "__module__", "") == module.__name__
            ):
                if isinstance(member, type):
                    continue  # Params, SGDRun, TrainingRun, settings: records
                key = f"{module_name}.{name}"
                if module_name in HYPOTHESIS_MODULES:
                    assert member in registered or name in names, key
                else:
                    takes_nothing = not inspect.signature(member).parameters
                    assert key in FUZZ_COVERED or key in fuzz.SKIP or takes_nothing, key


# --- the validation helpers themselves --------------------------------------------------


def test_as_bool_accepts_only_booleans() -> None:
    assert validation.as_bool(np.False_, "flag") is False
    for value in (0, 1, "no", "True", None, 1.0, np.array([True])):
        with pytest.raises(TypeError, match=r"^flag must be True or False"):
            validation.as_bool(value, "flag")


def test_as_choice_lists_the_options() -> None:
    assert validation.as_choice("b", "kind", ("a", "b", "c")) == "b"
    with pytest.raises(ValueError, match=r"^kind must be 'a', 'b' or 'c', got 'd'$"):
        validation.as_choice("d", "kind", ("a", "b", "c"))
    with pytest.raises(TypeError, match=r"^kind must be"):
        validation.as_choice(b"a", "kind", ("a", "b"))
    with pytest.raises(TypeError, match="choices"):
        validation.as_choice("a", "kind", "abc")


def test_as_int_bounds_and_huge_values() -> None:
    assert validation.as_int(np.uint64(2**63), "n") == 2**63
    with pytest.raises(ValueError, match=r"^n must be <= 10 \(M\.X; raise it to go further\)"):
        validation.as_int(11, "n", maximum=10, limit_name="M.X")
    # an integer too long to print is described, not printed (no ValueError from str())
    with pytest.raises(ValueError, match=r"n must be >= 0, got an integer of about 10\^"):
        validation.as_int(-(10**5000), "n", minimum=0)
    with pytest.raises(TypeError, match="minimum"):
        validation.as_int(3, "n", minimum=1.5)  # type: ignore[arg-type]


def test_as_positive_float_refuses_values_beyond_float64() -> None:
    for value in (10**400, Fraction(10**400, 3), -(10**400)):
        with pytest.raises(ValueError, match=r"^eta must be a finite number > 0"):
            validation.as_positive_float(value, "eta")
    assert validation.as_positive_float(Fraction(1, 4), "eta") == 0.25


def test_as_real_array_refuses_masked_objects_and_long_double_overflow() -> None:
    with pytest.raises(TypeError, match="masked"):
        validation.as_real_array(np.ma.masked_array([1.0, 2.0], mask=[True, False]), "y")
    with pytest.raises(TypeError, match="dtype object"):
        validation.as_real_array(np.array([10**30, 1], dtype=object), "y")
    big = np.array([np.finfo(np.longdouble).max], dtype=np.longdouble)
    if np.finfo(np.longdouble).max > np.finfo(np.float64).max:
        with pytest.raises(ValueError, match="finite"):
            validation.as_real_array(big, "y")
    with pytest.raises(TypeError, match="ndim"):
        validation.as_real_array([1.0], "y", ndim=1.0)  # type: ignore[arg-type]


def test_as_generator_refuses_negative_seeds() -> None:
    with pytest.raises(ValueError, match=r"^seed must be >= 0"):
        validation.as_generator(-3)
    gen = np.random.default_rng(1)
    assert validation.as_generator(gen) is gen


def test_name_must_be_a_string() -> None:
    for helper, value in (
        (validation.as_int, 3),
        (validation.as_bool, True),
        (validation.as_real_array, [1.0]),
    ):
        with pytest.raises(TypeError, match=r"^name must be a string"):
            helper(value, 3)  # type: ignore[operator]


@given(st.integers(0, 40), st.integers(0, 80), st.integers(1, 10**30))
@settings(max_examples=300, deadline=None)
def test_power_exceeds_matches_the_power(base: int, exponent: int, limit: int) -> None:
    assert validation.power_exceeds(base, exponent, limit) == (base**exponent > limit)


def test_power_exceeds_is_instant_for_huge_exponents() -> None:
    assert validation.power_exceeds(2, 10**100, 10**7)
    assert not validation.power_exceeds(1, 10**100, 1)
    assert not validation.power_exceeds(0, 10**100, 1)


def test_check_size_message_names_the_limit() -> None:
    validation.check_size(5, 5, "n=5 needs 5", limit_name="M.L")
    with pytest.raises(ValueError, match=r"^n=6 needs 6; the limit is 5 \(M\.L; raise it"):
        validation.check_size(6, 5, "n=6 needs 6", limit_name="M.L")


@given(
    st.floats(min_value=1e-300, max_value=1e300) | st.floats(min_value=-1e300, max_value=-1e-300),
    st.integers(-900, 900),
)
@settings(max_examples=200, deadline=None)
def test_scale_exponent_and_rescale_are_exact(x: float, shift: int) -> None:
    e = validation.scale_exponent([x, x / 3])
    scaled = float(np.ldexp(x, -e))
    assert 0.5 <= abs(scaled) < 1
    assert float(np.ldexp(scaled, e)) == x  # exact round trip
    top = math.frexp(x)[1] + shift
    if -1021 <= top <= 1024:
        assert float(validation.rescale(x, shift, "X", "it")[()]) == math.ldexp(x, shift)
    else:
        with pytest.raises(ValueError, match=r"^X is too (large|small)"):
            validation.rescale(x, shift, "X", "it")


def test_finite_result_refuses_overflow_and_names_the_inputs() -> None:
    assert np.array_equal(validation.finite_result([1, 2], "X", "the loss"), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"^X and y is out of range: the loss overflows"):
        validation.finite_result([np.inf], "X and y", "the loss")
    with pytest.raises(TypeError, match=r"^X: the loss must be an array of real numbers"):
        validation.finite_result([1j], "X", "the loss")


def test_scale_exponent_refuses_non_finite_input() -> None:
    with pytest.raises(ValueError, match=r"^array must contain only finite numbers"):
        validation.scale_exponent([1.0, np.nan])
    with pytest.raises(TypeError, match=r"^array must be an array"):
        validation.scale_exponent(None)


def test_rescale_keeps_zeros_and_refuses_non_finite() -> None:
    assert np.array_equal(validation.rescale([0.0, 0.0], 5000, "X", "it"), [0.0, 0.0])
    with pytest.raises(ValueError, match="not finite"):
        validation.rescale([np.inf], 0, "X", "it")
    with pytest.raises(ValueError, match=r"^X is too large: it would be about 2\^"):
        validation.rescale([1.0], 10**400, "X", "it")
