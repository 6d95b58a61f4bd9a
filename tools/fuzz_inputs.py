"""Fuzz every public ``dlhw`` function with adversarial arguments (``nox -s fuzz``).

For each public function of each ``dlhw/*.py`` module (not the ``proof`` and
``sphinxext`` subpackages) a *baseline* call with good arguments is built (from
:data:`BASELINES`, else guessed from the signature), then each argument in turn is
replaced by adversarial values chosen from its annotation: ``None``, wrong types,
NaN/inf, huge/negative/zero sizes, empty and mis-shaped arrays, ``1e200``, bool-like
strings, huge integers. Every call runs in a worker subprocess under a time limit;
the outcome is classified as

``clear``
    ``ValueError``/``TypeError`` whose message names the argument;
``unclear``
    any other exception (or a ``ValueError``/``TypeError`` that does not name it);
``hang``
    no answer within the time limit (the worker is killed and restarted);
``silent``
    returned, but the result is not finite, or the input was certainly invalid
    (NaN, ``"no"`` for a bool, ``None`` for a required argument...);
``returned``
    returned a finite result for a value that may be legitimate.

Usage::

    python tools/fuzz_inputs.py [MODULE ...] [--timeout 4] [--out _build/fuzz/report.json]

A tally per module is printed and the full list of calls written to the report.
"""

from __future__ import annotations

# ruff: noqa: ARG005 (every adversarial value is made by a lambda of the good value)
import argparse
import contextlib
import dataclasses
import functools
import importlib
import inspect
import json
import math
import os
import pkgutil
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("FUZZ_ROOT", Path(__file__).resolve().parents[1]))
OUTCOMES = ("clear", "unclear", "hang", "silent", "returned")

# --- good baseline arguments ------------------------------------------------------------


def _baselines() -> dict[str, Callable[[], dict[str, Any]]]:
    """Good keyword arguments for the functions whose signature is not enough."""
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    X6 = rng.normal(size=(6, 3))
    Y6 = rng.normal(size=6)
    XW = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    YW = np.array([1.0, 2.0])
    PATH4 = np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]])
    F = np.geomspace(20.0, 20000.0, 12)

    def parity_net() -> Any:
        from dlhw import parity

        return parity.exact_parity_network([1, 0, 1])

    def mlp_params() -> Any:
        from dlhw import backprop

        return backprop.random_params(2, 3, seed=0)

    def autodiff_graph() -> Any:
        from dlhw import autodiff

        return next(iter(autodiff.all_graphs(2)))

    def digits() -> Any:
        from dlhw import debugging

        return debugging.load_digits_split(train_size=200, seed=0)

    def image_data() -> Any:
        from dlhw import cifar

        return cifar.digits_standin()

    def gcn_layer() -> Any:
        from dlhw import gnn

        return gnn.GraphConvLayer(np.eye(2), np.zeros(2), "tanh")

    def demo_run() -> Any:
        from dlhw import runs

        return runs.Run("demo", "demo.npz", {"steps": 3}, _demo_compute)

    def demo_root() -> Path:
        import tempfile

        return Path(tempfile.gettempdir()) / f"dlhw-fuzz-{os.getpid()}"

    def demo_stored() -> Any:
        from dlhw import runs

        runs.regenerate(demo_run(), root=demo_root())
        return runs.load(demo_run(), root=demo_root())

    def symbolic_net() -> Any:
        from dlhw import backprop

        return backprop.symbolic_mlp(1, 1)

    def linear_classifier() -> Any:
        from dlhw import views

        return views.fit_linear_classifier(X6, np.array([0, 1, 2, 0, 1, 2]), classes=3)

    images_u8 = rng.integers(0, 256, size=(2, 8, 8, 3), dtype=np.uint8)
    t_images = torch.rand(2, 3, 8, 8)
    return {
        # graphs
        "graphs.adjacency_matrix": lambda: {"adjacency": PATH4},
        "graphs.count_walks": lambda: {"adjacency": PATH4, "length": 3},
        "graphs.walk_counts_by_enumeration": lambda: {"adjacency": PATH4, "length": 3},
        "graphs.walks": lambda: {"adjacency": PATH4, "start": 0, "end": 2, "length": 4},
        "graphs.all_graphs": lambda: {"n": 3},
        "graphs.linear_gnn": lambda: {"adjacency": PATH4, "layers": 3},
        "graphs.reachable_within": lambda: {"adjacency": PATH4, "length": 2},
        # gd / sgd
        **{
            f"gd.{n}": lambda: {"X": X6}
            for n in (
                "hessian",
                "hessian_eigenvalues",
                "condition_number",
                "optimal_step",
                "heavy_ball_parameters",
            )
        },
        "gd.least_squares_solution": lambda: {"X": X6, "y": Y6},
        "gd.gd": lambda: {"X": X6, "y": Y6, "eta": 0.05, "steps": 5},
        "gd.heavy_ball": lambda: {"X": X6, "y": Y6, "steps": 5},
        "gd.suboptimality_bound": lambda: {"X": X6, "y": Y6, "eta": 0.05, "t": 3},
        "gd.losses": lambda: {"X": X6, "y": Y6, "W": np.ones((4, 3))},
        "gd.contraction_factor": lambda: {"X": X6, "eta": 0.01},
        "gd.heavy_ball_matrix": lambda: {"X": X6, "alpha": 0.01, "beta": 0.5},
        "gd.ill_conditioned": lambda: {
            "n": 4,
            "alpha": 1.0,
            "condition": 10.0,
            "rng": np.random.default_rng(1),
        },
        "sgd.min_norm_solution": lambda: {"X": XW, "y": YW},
        "sgd.lyapunov_constants": lambda: {"X": XW},
        "sgd.kaczmarz_rate": lambda: {"X": XW},
        "sgd.expected_lyapunov_ratio": lambda: {"X": XW, "w": np.ones(3), "eta": 0.1},
        "sgd.run_sgd": lambda: {"X": XW, "y": YW, "eta": 0.1, "steps": 10, "runs": 2, "seed": 0},
        "sgd.run_kaczmarz": lambda: {"X": XW, "y": YW, "steps": 10, "runs": 2, "seed": 0},
        "sgd.mean_square_rate": lambda: {"X": XW, "eta": 0.1},
        "sgd.expected_curves": lambda: {"X": XW, "y": YW, "steps": 5, "eta": 0.1},
        "sgd.ridge_solution": lambda: {"X": XW, "y": YW, "lam": 1.0},
        "sgd.ridge_augmented": lambda: {"X": XW, "y": YW, "lam": 1.0},
        "sgd.tikhonov_augmented": lambda: {"X": XW, "y": YW, "Gamma": np.eye(3)},
        "sgd.run_ridge_sgd": lambda: {
            "X": XW,
            "y": YW,
            "lam": 1.0,
            "eta": 0.1,
            "steps": 10,
            "runs": 2,
            "seed": 0,
        },
        # parity
        "parity.as_params": lambda: {"params": parity_net()},
        "parity.flatten": lambda: {"params": parity_net()},
        "parity.n_params": lambda: {"d": 3, "k": 6},
        "parity.all_inputs": lambda: {"d": 3},
        "parity.parity_labels": lambda: {"x": np.array([[0, 1, 1], [1, 1, 1]]), "v": [1, 0, 1]},
        "parity.minimum_units": lambda: {"d": 3},
        "parity.exact_parity_network": lambda: {"v": [1, 0, 1]},
        "parity.interpolating_network": lambda: {"v": [1, 0, 1]},
        "parity.construction_prefix": lambda: {"v": [1, 0, 1], "k": 2},
        "parity.construction_prefix_outputs": lambda: {
            "v": [1, 0, 1],
            "x": np.array([[0, 1, 1], [1, 1, 1]]),
            "k_max": 3,
        },
        "parity.walsh_hadamard": lambda: {"values": np.ones((8, 2))},
        **{
            f"parity.{n}": lambda: {"params": parity_net(), "x": np.array([[0, 1, 1]])}
            for n in ("network_output", "output_gradients")
        },
        **{
            f"parity.{n}": lambda: {"params": parity_net()}
            for n in ("gradient_bound", "variance_bound")
        },
        **{
            f"parity.{n}": lambda: {"params": parity_net(), "v": [1, 0, 1]}
            for n in ("population_risk", "population_gradient")
        },
        **{
            f"parity.{n}": lambda: {"params": parity_net(), "d": 3}
            for n in ("mask_gradients_naive", "common_gradient", "mask_gradients")
        },
        "parity.gradient_variance": lambda: {"params": parity_net(), "d": 3},
        "parity_training.train_parity_networks": lambda: {
            "dims": (2,),
            "steps": 10,
            "batch_size": 8,
            "lr": 0.01,
            "units_per_dim": 2,
            "log_every": 5,
        },
        "parity_training.layer_gradient_norms": lambda: {
            "depth": 2,
            "d": 3,
            "width": 4,
            "samples": 16,
            "seeds": 1,
        },
        "parity_training.sigmoid_network_gradients": lambda: {"d": 3, "depth": 2, "width": 4},
        # autodiff
        "autodiff.scaffold_grads": lambda: {
            "op": "add",
            "upstream": np.ones(2),
            "a": np.ones(2),
            "b": np.ones(2),
        },
        "autodiff.is_topological": lambda: {"graph": autodiff_graph(), "order": [0]},
        "autodiff.to_networkx": lambda: {"graph": autodiff_graph()},
        "autodiff.all_graphs": lambda: {"max_vertices": 2},
        "autodiff.finite_difference": lambda: {"f": np.sin, "x": np.ones(2), "eps": 1e-5},
        "autodiff.difference_errors": lambda: {
            "f": np.sin,
            "x": np.ones(2),
            "exact": np.diag(np.cos(np.ones(2))),
            "epsilons": [1e-3, 1e-5],
        },
        # backprop
        "backprop.random_params": lambda: {"N": 2, "K": 3, "seed": 0},
        **{
            f"backprop.{n}": lambda: {
                "params": mlp_params(),
                "x": np.ones(2),
                "s": np.ones(2),
                "r": np.ones(3),
            }
            for n in ("forward", "backward", "autograd_backward")
        },
        "backprop.input_jacobian": lambda: {"params": mlp_params(), "x": np.ones(2)},
        "backprop.symbolic_mlp": lambda: {"N": 1, "K": 1},
        **{
            f"backprop.{n}": lambda: {"net": symbolic_net()}
            for n in ("symbolic_forward", "symbolic_backward", "symbolic_gradients")
        },
        # book (notebook helpers)
        "book.glue_text": lambda: {"key": "k", "value": "v"},
        "book.glue_number": lambda: {"key": "k", "value": 1.5},
        "book.glue_math": lambda: {"key": "k", "latex": "x"},
        "book.refuted": lambda: {"claim": "c"},
        "book.sci": lambda: {"value": 1234.5},
        "book.sci_text": lambda: {"value": 1234.5},
        "book.number": lambda: {"value": 1234.5},
        "book.power_of_ten": lambda: {"value": 1e-3},
        "book.glue_figure": lambda: {"key": "k", "figure": _figure()},
        "book.show_source": lambda: {"obj": _show_source_target},
        # cached runs, runs
        "cached_runs.get": lambda: {"name": next(iter(_attr("cached_runs", "RUNS")))},
        "cached_runs.image_train_settings": lambda: {"kind": "constant", "epochs": 1},
        "runs.settings_dict": lambda: {"settings": {"a": 1}},
        "runs.load": lambda: {"run": demo_run(), "root": demo_root()},
        "runs.regenerate": lambda: {"run": demo_run(), "root": demo_root()},
        "runs.check_settings": lambda: {"run": demo_run(), "stored": demo_stored()},
        "runs.replay": lambda: {
            "stored": demo_stored(),
            "fresh": {"loss": np.arange(2.0)},
            "steps": 2,
        },
        # cifar
        "cifar.load_cifar10": lambda: {"path": "/nonexistent/cifar"},
        "cifar.images_as_features": lambda: {"images": images_u8},
        "cifar.subset": lambda: {"data": image_data(), "train": 10, "val": 5},
        # color organ
        "color_organ.cutoff_frequency": lambda: {"R": [100.0, 200.0]},
        "color_organ.resistance_for_cutoff": lambda: {"f_c": [100.0, 200.0]},
        **{
            f"color_organ.{n}": lambda: {"kind": "low", "f": F, "resistors": [300.0]}
            for n in ("magnitude", "magnitude_gradient", "autograd_gradient")
        },
        "color_organ.magnitude_torch": lambda: {
            "kind": "low",
            "f": torch.tensor(F),
            "resistors": torch.tensor([300.0], dtype=torch.float64),
        },
        "color_organ.symbolic_magnitude": lambda: {"kind": "low"},
        "color_organ.labels": lambda: {"kind": "low", "f": F},
        "color_organ.symmetric_grid": lambda: {"f_c": 1000.0},
        **{
            f"color_organ.{n}": lambda: {
                "kind": "low",
                "f": F,
                "target": (F < 1000).astype(float),
                "resistors": [300.0],
            }
            for n in ("loss_surface", "per_sample_gradients", "loss_gradient")
        },
        "color_organ.balance_point": lambda: {
            "kind": "low",
            "f": F,
            "target": (F < 1000).astype(float),
        },
        "color_organ.label_interval": lambda: {
            "kind": "low",
            "f": F,
            "target": (F < 1000).astype(float),
        },
        "color_organ.symbolic_pair_gradient": lambda: {"loss": "mse"},
        "color_organ.random_resistors": lambda: {"kind": "low", "runs": 2},
        "color_organ.fit": lambda: {
            "kind": "low",
            "f": F,
            "target": (F < 1000).astype(float),
            "init": [300.0],
            "settings": _settings("color_organ", "FitSettings", steps=5),
        },
        "color_organ.convergence_sweep": lambda: {
            "kind": "low",
            "f": F,
            "target": (F < 1000).astype(float),
            "inits": [[300.0], [400.0]],
            "lrs": [1.0, 10.0],
            "settings": _settings("color_organ", "FitSettings", steps=5),
        },
        "color_organ.bode_db": lambda: {"f": F, "log10_cutoffs": [2.0, 4.0]},
        "color_organ.fit_bode": lambda: {
            "f": F,
            "db_target": _call("color_organ", "bode_db", F, [2.5, 3.5]),
            "settings": _settings("color_organ", "FitSettings", lr=1e-3, steps=5),
        },
        "color_organ.grad_fn_chain": lambda: {
            "tensor": (torch.ones(2, requires_grad=True) * 2).sum()
        },
        # debugging
        "debugging.load_digits_split": lambda: {"train_size": 200},
        "debugging.make_mlp": lambda: {"depth": 2, "width": 4},
        "debugging.layer_gradient_norms": lambda: {
            "model": _call("debugging", "make_mlp", 2, 4),
            "X": np.ones((3, 64)),
            "y": np.array([0, 1, 2]),
        },
        "debugging.train_classifier": lambda: {
            "model": _call("debugging", "make_mlp", 2, 4),
            "data": digits(),
            "settings": _settings("debugging", "TrainSettings", epochs=1),
        },
        "debugging.degradation_model": lambda: {"name": "shallow"},
        "debugging.zero_grad_experiment": lambda: {
            "settings": _settings("debugging", "ZeroGradSettings", epochs=1, train_size=200)
        },
        "debugging.degradation_experiment": lambda: {
            "settings": _settings("debugging", "DegradationSettings", epochs=1),
            "variants": ("shallow",),
        },
        "debugging.small_cnn": lambda: {"norm": "batch", "channels": 2},
        "debugging.accumulate": lambda: {
            "model": _call("debugging", "small_cnn", "batch", channels=2),
            "images": np.ones((4, 1, 8, 8)),
            "labels": np.array([0, 1, 2, 3]),
            "batch_size": 2,
        },
        "debugging.digit_images": lambda: {"count": 4},
        "debugging.accumulation_setup": lambda: {"norm": "batch"},
        "debugging.accumulation_experiment": lambda: {"norm": "batch"},
        **{
            f"debugging.{n}": lambda: {
                "X": X6,
                "y": Y6,
                "w0": np.zeros(3),
                "lr": 0.01,
                "steps": 3,
            }
            for n in ("torch_sgd_loop", "accumulating_sgd")
        },
        "debugging.heavy_ball": lambda: {
            "X": X6,
            "y": Y6,
            "w0": np.zeros(3),
            "lr": 0.01,
            "steps": 3,
            "beta": 0.5,
        },
        # deep linear
        **{
            f"deep_linear.{n}": lambda: {"weights": [np.ones((2, 3)), np.ones((3, 2))]}
            for n in ("widths_of", "product", "invertible_flank_layers")
        },
        "deep_linear.partial_products": lambda: {
            "weights": [np.ones((2, 3)), np.ones((3, 2))],
            "i": 1,
        },
        **{
            f"deep_linear.{n}": lambda: {
                "weights": [np.ones((2, 3)), np.ones((3, 2))],
                "X": np.eye(3),
                "Y": np.eye(3),
            }
            for n in ("empirical_risk", "layer_gradients", "risk_hessian")
        },
        **{
            f"deep_linear.{n}": lambda: {"Wbar": np.eye(2), "X": np.eye(2), "Y": np.eye(2)}
            for n in ("product_loss", "product_loss_gradient")
        },
        "deep_linear.least_squares_product": lambda: {"X": np.eye(2), "Y": np.eye(2)},
        "deep_linear.max_reachable_rank": lambda: {"widths": (2, 1, 2)},
        "deep_linear.rank_normal_form": lambda: {"W0": [[1, 0], [0, 0]]},
        "deep_linear.factorize": lambda: {"W0": [[1, 0], [0, 0]], "widths": (2, 1, 2)},
        "deep_linear.integer_matrices": lambda: {"p": 1, "d": 2},
        "deep_linear.width_profiles": lambda: {"d": 2, "p": 2, "depth": 2, "max_width": 2},
        "deep_linear.reachable_ranks": lambda: {"widths": (2, 1, 2)},
        "deep_linear.zero_weights": lambda: {"widths": (2, 1, 2)},
        **{
            f"deep_linear.{n}": lambda: {"widths": (2, 2, 2), "X": np.eye(2), "Y": np.eye(2)}
            for n in ("zero_hessian_spectrum", "escape_direction")
        },
        "deep_linear.critical_point": lambda: {
            "X": np.eye(2),
            "Y": np.eye(2),
            "widths": (2, 2, 2),
            "keep": (0,),
        },
        "deep_linear.critical_value": lambda: {"X": np.eye(2), "Y": np.eye(2), "keep": (0,)},
        "deep_linear.teacher_data": lambda: {
            "n": 5,
            "d": 2,
            "p": 2,
            "singular_values": [2.0, 1.0],
            "seed": 0,
        },
        "deep_linear.train_deep_linear": lambda: {
            "X": np.eye(2),
            "Y": np.eye(2),
            "widths": (2, 2, 2),
            "eta": 0.1,
            "steps": 5,
            "seed": 0,
        },
        # elbow
        "elbow.relu_unit": lambda: {"w": 1.0, "b": 0.5, "x": [1.0, -1.0]},
        "elbow.elbow": lambda: {"w": 1.0, "b": 0.5},
        "elbow.unit_gradients": lambda: {"w": 1.0, "b": 0.5, "x": 1.0, "y": 0.0},
        "elbow.unit_step": lambda: {"w": 1.0, "b": 0.5, "x": 1.0, "y": 0.0, "lr": 0.1},
        "elbow.torch_unit_step": lambda: {"w": 1.0, "b": 0.5, "x": 1.0, "y": 0.0, "lr": 0.1},
        "elbow.elbow_shift": lambda: {"w": 1.0, "b": 0.5, "x": 1.0, "g": 1.0, "lr": 0.1},
        "elbow.exact_unit_step": lambda: {"w": 1, "b": 1, "x": 1, "y": 0, "lr": Fraction(1, 10)},
        "elbow.spec_case": lambda: {"w": 1, "b": 1, "x": 1},
        "elbow.part_b_prediction": lambda: {"w": 1, "b": 1, "x": 1, "lr": Fraction(1, 10)},
        "elbow.sign_outcomes": lambda: {"configurations": [(1, 1, 1, 0, Fraction(1, 10))]},
        "elbow.search_case_ii": lambda: {"trials": 50},
        "elbow.network_output": lambda: {
            "W1": [1.0, -1.0],
            "b": [0.0, 0.5],
            "W2": [1.0, 1.0],
            "x": 1.0,
        },
        **{
            f"elbow.{n}": lambda: {
                "W1": [1.0, -1.0],
                "b": [0.0, 0.5],
                "W2": [1.0, 1.0],
                "x": 1.0,
                "y": 0.0,
            }
            for n in ("network_gradients",)
        },
        **{
            f"elbow.{n}": lambda: {
                "W1": [1.0, -1.0],
                "b": [0.0, 0.5],
                "W2": [1.0, 1.0],
                "x": 1.0,
                "y": 0.0,
                "lr": 0.1,
            }
            for n in ("network_elbows_after_step", "torch_network_step")
        },
        "elbow.symbolic_network_step": lambda: {"active": (0,)},
        # gnn
        **{
            f"gnn.{n}": lambda: {
                "self_state": np.ones(2),
                "messages": np.ones((3, 2)),
                "weights": [1.0, 0.5],
            }
            for n in ("rule_mean", "rule_shared_max")
        },
        "gnn.rule_indexed_max": lambda: {
            "self_state": np.ones(2),
            "messages": np.ones((3, 2)),
            "weights": [1.0, 3.0, 1.0, 0.5],
        },
        "gnn.weights_needed": lambda: {"rule": _attr("gnn", "rule_mean"), "degree": 3},
        "gnn.evaluate_expression": lambda: {
            "expression": 2 * _matrix_symbol(),
            "values": {_matrix_symbol(): [[1.5]]},
        },
        "gnn.outputs_over_orderings": lambda: {
            "rule": _attr("gnn", "rule_mean"),
            "self_state": np.ones(2),
            "messages": np.ones((3, 2)),
            "weights": [1.0, 0.5],
        },
        "gnn.masked_bce": lambda: {
            "labels": [1, 0, 1],
            "probabilities": [0.9, 0.2, 0.6],
            "mask": [True, True, False],
        },
        "gnn.masked_bce_torch": lambda: {
            "labels": torch.tensor([1.0, 0.0, 1.0]),
            "probabilities": torch.tensor([0.9, 0.2, 0.6]),
            "mask": torch.tensor([True, True, False]),
        },
        "gnn.masked_bce_expression": lambda: {
            "labels": {0: 1, 1: 0},
            "probabilities": {0: 0.9, 1: 0.2},
            "train": [0, 1],
        },
        "gnn.residual_message_passing": lambda: {
            "graph": PATH4,
            "states": np.ones((4, 2)),
            "W1": np.eye(2),
            "W2": np.eye(2),
        },
        "gnn.residual_symbols": lambda: {"graph": PATH4},
        "gnn.residual_update_expression": lambda: {"graph": PATH4, "node": 0},
        "gnn.add_self_loops": lambda: {"adjacency": PATH4},
        "gnn.gcn_adjacency": lambda: {"adjacency": PATH4},
        "gnn.softmax_cross_entropy": lambda: {
            "logits": np.ones((4, 2)),
            "labels": [0, 1, 0, 1],
            "mask": [True, True, False, False],
        },
        "gnn.train_gcn": lambda: {
            "adjacency": PATH4,
            "labels": [0, 1, 0, 1],
            "train_nodes": (0, 1),
            "epochs": 3,
        },
        **{
            f"gnn.{n}": lambda: {
                "layer": gcn_layer(),
                "A_hat": np.eye(3),
                "H": np.ones((3, 2)),
                "grad_out": np.ones((3, 2)),
            }
            for n in ("layer_gradients_torch", "layer_gradients_finite_difference")
        },
        # implicit bias
        **{
            f"implicit_bias.{n}": lambda: {"X": XW, "t": YW, "w": np.ones(3)}
            for n in ("loss", "gradient")
        },
        **{
            f"implicit_bias.{n}": lambda: {"X": XW, "t": YW, "eta": 0.1, "steps": 5}
            for n in ("gd_path", "sgd_path", "adagrad_path", "rmsprop_path", "adam_path")
        },
        "implicit_bias.row_space_basis": lambda: {"X": XW},
        **{
            f"implicit_bias.{n}": lambda: {"X": XW, "w": np.ones(3)}
            for n in ("null_component", "distance_to_row_space")
        },
        "implicit_bias.predicted_limit": lambda: {"X": XW, "t": YW},
        "implicit_bias.two_d_adagrad": lambda: {"eta": 0.1, "eps": 1e-8, "steps": 5},
        "implicit_bias.sign_solution": lambda: {"X": [[2, 1]], "y": [2]},
        "implicit_bias.wilson_dataset": lambda: {"labels": [1, -1, 1]},
        "implicit_bias.wilson_test_features": lambda: {"labels": [1, -1, 1], "d": 7},
        "implicit_bias.legendre_features": lambda: {"x": [0.1, 0.5], "degree": 3},
        "implicit_bias.fit_poly": lambda: {"x": [0.1, 0.5, 0.9], "t": [1.0, 2.0, 0.0], "degree": 2},
        "implicit_bias.double_descent": lambda: {
            "n": 5,
            "degrees": [1, 3],
            "trials": 2,
            "n_test": 11,
            "seed": 0,
        },
        # jacobians
        "jacobians.rank_one_map": lambda: {"v": np.ones(3), "x": np.ones(3)},
        "jacobians.jacobian": lambda: {"v": np.ones(3)},
        "jacobians.vjp": lambda: {"v": np.ones(3), "y": np.ones(3)},
        "jacobians.jacobian_by_torch": lambda: {"v": np.ones(3)},
        "jacobians.vjp_by_torch": lambda: {"v": np.ones(3), "y": np.ones(3)},
        "jacobians.time_call": lambda: {"fn": lambda: None, "repeats": 1},
        "jacobians.time_jacobian": lambda: {"ns": [2, 4], "repeats": 1},
        "jacobians.time_vjp": lambda: {"ns": [2, 4], "repeats": 1},
        "jacobians.peak_memory": lambda: {"fn": lambda: np.ones(10)},
        "jacobians.memory_jacobian": lambda: {"ns": [2, 4]},
        "jacobians.memory_vjp": lambda: {"ns": [2, 4]},
        "jacobians.fit_power_law": lambda: {"n": [1.0, 2.0, 4.0], "values": [1.0, 4.0, 16.0]},
        "jacobians.reverse_mode_overhead": lambda: {
            "forward": lambda: None,
            "forward_and_backward": lambda: None,
            "repeats": 1,
        },
        "jacobians.torch_reverse_mode_overhead": lambda: {
            "fn": torch.sin,
            "x": torch.ones(3),
            "repeats": 1,
        },
        "jacobians.count_operations": lambda: {"fn": np.dot, "*": (np.ones(2), np.ones(2))},
        # pointclouds
        "pointclouds.mean_pool_features": lambda: {"X": X6, "W": np.ones((3, 2))},
        "pointclouds.all_orderings": lambda: {"n": 3},
        "pointclouds.group": lambda: {"X": X6, "scheme": "knn_sorted", "m": 2},
        "pointclouds.invariance_gap": lambda: {
            "X": X6,
            "scheme": "knn_sorted",
            "W": np.ones((9, 2)),
            "orderings": [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0]],
            "m": 2,
        },
        **{
            f"pointclouds.{n}": lambda: {"X": X6, "k": 2}
            for n in ("farthest_point_sampling", "nearest_point_sampling", "optimal_k_centre")
        },
        "pointclouds.coverage_radius": lambda: {"X": X6, "sampled": [0, 1]},
        "pointclouds.digit_cloud": lambda: {"digit": 3, "n_points": 16},
        # remat
        "remat.simulate_backward": lambda: {"layers": 6, "checkpoints": {2, 4}},
        "remat.disk_backward": lambda: {"layers": 6},
        "remat.uniform_checkpoints": lambda: {"layers": 6, "every": 2},
        "remat.uniform_counts": lambda: {"layers": 6, "every": 2},
        "remat.break_even_loaddisk": lambda: {
            "recompute": _call("remat", "uniform_counts", 6, 2),
            "disk": _attr("remat", "disk_backward")(6).counts,
        },
        "remat.tradeoff_curve": lambda: {"layers": 6},
        "remat.best_static_checkpoints": lambda: {"layers": 6, "slots": 2},
        "remat.revolve_cost": lambda: {"layers": 6, "slots": 2},
        "remat.revolve_by_search": lambda: {"layers": 6, "slots": 2},
        "remat.griewank_beta": lambda: {"s": 2, "t": 3},
        "remat.griewank_cost": lambda: {"layers": 6, "s": 2},
        "remat.revolve_max_layers": lambda: {"slots": 2, "repetitions": 3},
        "remat.checkpoint_experiment": lambda: {"layers": 4, "checkpoints": {2}, "width": 2},
        # resnet
        "resnet.resnet18": lambda: {"width": 2, "classes": 3},
        "resnet.layer_shapes": lambda: {"model": _call("resnet", "resnet18", 2, 3)},
        "resnet.conv_output_side": lambda: {"side": 32, "kernel": 3, "padding": 1},
        "resnet.stage_shapes": lambda: {"width": 2},
        "resnet.count_parameters": lambda: {"model": _call("resnet", "resnet18", 2, 3)},
        "resnet.crop_at": lambda: {
            "images": t_images,
            "top": torch.tensor([0, 1]),
            "left": torch.tensor([2, 3]),
        },
        "resnet.crop_positions": lambda: {"side": 32, "size": 32, "padding": 4},
        "resnet.random_crop": lambda: {"images": t_images, "generator": torch.Generator()},
        "resnet.random_flip": lambda: {"images": t_images, "generator": torch.Generator()},
        "resnet.learning_rate": lambda: {
            "schedule": _settings("resnet", "Schedule"),
            "step": 3,
            "total": 10,
        },
        "resnet.to_tensor": lambda: {"images": images_u8},
        "resnet.replace_schedule": lambda: {
            "settings": _settings("resnet", "TrainSettings"),
            "kind": "constant",
        },
        # spectral
        "spectral.rbf_affinity": lambda: {"X": X6},
        **{
            f"spectral.{n}": lambda: {"A": np.ones((4, 4)) - np.eye(4)}
            for n in ("degree_matrix", "symmetric_normalisation")
        },
        "spectral.column_stochastic": lambda: {"M": np.ones((4, 4))},
        "spectral.top_singular_vectors": lambda: {"M": np.ones((4, 4)) + np.eye(4), "k": 2},
        "spectral.row_normalise": lambda: {"U": X6},
        "spectral.kmeans_labels": lambda: {"Y": X6, "k": 2, "n_init": 2},
        "spectral.embedding": lambda: {"X": X6, "method": "njw", "k": 2},
        "spectral.cluster": lambda: {"X": X6, "method": "njw", "k": 2},
        "spectral.pipeline_scores": lambda: {"X": X6, "labels": [0, 1, 2, 0, 1, 2]},
        "spectral.sklearn_spectral_labels": lambda: {"X": X6, "k": 2},
        "spectral.three_clusters": lambda: {"n_moon": 10, "n_arc": 10},
        # validation
        "validation.as_int": lambda: {"value": 3, "name": "arg"},
        "validation.as_bool": lambda: {"value": True, "name": "arg"},
        "validation.as_choice": lambda: {"value": "a", "name": "arg", "choices": ("a", "b")},
        "validation.as_positive_float": lambda: {"value": 0.5, "name": "arg"},
        "validation.as_real": lambda: {"value": 0.5, "name": "arg"},
        "validation.as_real_array": lambda: {"value": X6, "name": "arg"},
        "validation.as_matrix": lambda: {"value": X6, "name": "arg"},
        "validation.as_vector": lambda: {"value": Y6, "name": "arg"},
        "validation.as_generator": lambda: {"seed": 0, "name": "arg"},
        "validation.check_size": lambda: {"needed": 3, "limit": 5, "what": "w", "limit_name": "L"},
        "validation.power_exceeds": lambda: {"base": 2, "exponent": 3, "limit": 10},
        "validation.scale_exponent": lambda: {"array": X6},
        "validation.finite_result": lambda: {"values": Y6, "name": "X", "what": "it"},
        "validation.rescale": lambda: {"values": Y6, "exponent": 3, "name": "X", "what": "it"},
        "validation.times_power_of_two": lambda: {
            "value": 0.5,
            "exponent": 3,
            "name": "arg",
            "what": "arg · XᵀX",
        },
        "validation.finite_run": lambda: {
            "values": X6,
            "steps": np.arange(6),
            "what": "the iterates",
            "cause": "X is too large",
        },
        # embeddings
        "embeddings.one_hot": lambda: {"labels": [0, 1, 2], "classes": 3},
    }


def _demo_compute(settings: Any) -> dict[str, Any]:
    import numpy as np

    return {"loss": np.arange(settings["steps"], dtype=float)}


def _figure() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure()


def _matrix_symbol() -> Any:
    import sympy

    return sympy.MatrixSymbol("W", 1, 1)


def _attr(module: str, name: str) -> Any:
    return getattr(importlib.import_module(f"dlhw.{module}"), name)


def _call(module: str, name: str, *args: Any, **kwargs: Any) -> Any:
    return _attr(module, name)(*args, **kwargs)


def _settings(module: str, cls: str, **changes: Any) -> Any:
    """Return a settings dataclass of ``module`` with ``changes`` (those it has)."""
    kind = _attr(module, cls)
    fields = {f.name for f in dataclasses.fields(kind)}
    return kind(**{k: v for k, v in changes.items() if k in fields})


#: Functions not fuzzed: those without arguments, and full training runs on CIFAR-10
#: (minutes each; their settings are validated by the functions they call).
SKIP = {
    "book.start",
    "book.finish",
    "book.payload",
    "resnet.train",
    "resnet.compare_schedules",
}
#: Functions whose baseline cannot succeed here; their arguments are still fuzzed.
BASELINE_REFUSED = {"cifar.load_cifar10": "needs the CIFAR-10 files (path is checked first)"}

# --- adversarial values -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Bad:
    """An adversarial value: ``certain`` if no correct function may accept it."""

    label: str
    make: Callable[[Any], Any]
    certain: bool


def _kind(annotation: str, name: str) -> str:  # noqa: PLR0911 (one return per kind)
    """Return the kind of values an argument takes, from its annotation and name."""
    a = annotation.replace(" ", "")
    if a.startswith("Literal") or "Literal[" in a or name in ("kind", "method", "scheme", "norm"):
        return "choice"
    if a == "bool":
        return "bool"
    if "Sequence[ArrayLike]" in a:
        return "arrays"
    if "Sequence[int]" in a or "Iterable[int]" in a or name in ("widths", "dims", "ns", "keep"):
        return "ints"
    if ("ArrayLike" in a or "NDArray" in a) and "Sequence" not in a:
        return "array"
    if a.startswith(("int", "Optional[int]")) or a in ("int|None", "int|np.random.Generator|None"):
        return "int"
    if a.startswith("float"):
        return "float"
    if "ArrayLike" in a or "NDArray" in a or "Tensor" in a or a == "Array":
        return "array"
    if a.startswith("str") or a == "Path" or "Path" in a:
        return "str"
    if "Callable" in a:
        return "callable"
    if a in ("object", "Any", "") and name == "seed":
        return "int"
    if a in ("object", "Any"):
        return "any"
    return "other"


def _values(kind: str) -> list[Bad]:  # noqa: PLR0911 (one list per kind)
    """Return the adversarial values for an argument of ``kind``."""
    import numpy as np

    common = [Bad("object()", lambda g: object(), True)]
    numeric_junk = [
        Bad("'no'", lambda g: "no", True),
        Bad("True", lambda g: True, True),
        Bad("nan", lambda g: math.nan, True),
        Bad("inf", lambda g: math.inf, True),
        Bad("-inf", lambda g: -math.inf, True),
        Bad("[1, 2]", lambda g: [1, 2], True),
    ]
    if kind == "int":
        return [
            *common,
            *numeric_junk,
            Bad("2.5", lambda g: 2.5, True),
            Bad("-1", lambda g: -1, False),
            Bad("0", lambda g: 0, False),
            Bad("-10**30", lambda g: -(10**30), False),
            Bad("10**12", lambda g: 10**12, False),
            Bad("10**30", lambda g: 10**30, False),
            Bad("10**400", lambda g: 10**400, False),
        ]
    if kind == "float":
        return [
            *common,
            *numeric_junk,
            Bad("-1.0", lambda g: -1.0, False),
            Bad("0.0", lambda g: 0.0, False),
            Bad("1e200", lambda g: 1e200, False),
            Bad("-1e200", lambda g: -1e200, False),
            Bad("1e-320", lambda g: 1e-320, False),
            Bad("10**400", lambda g: 10**400, True),
            Bad("1+2j", lambda g: 1 + 2j, True),
        ]
    if kind == "bool":
        return [
            *common,
            Bad("'no'", lambda g: "no", True),
            Bad("'False'", lambda g: "False", True),
            Bad("0", lambda g: 0, True),
            Bad("2", lambda g: 2, True),
            Bad("nan", lambda g: math.nan, True),
            Bad("[True]", lambda g: [True], True),
        ]
    if kind == "choice":
        return [
            *common,
            Bad("'no'", lambda g: "no", True),
            Bad("''", lambda g: "", True),
            Bad("3", lambda g: 3, True),
            Bad("b'x'", lambda g: b"x", True),
            Bad("[good]", lambda g: [g], True),
        ]
    if kind == "ints":
        return [
            *common,
            Bad("3", lambda g: 3, True),
            Bad("'ab'", lambda g: "ab", True),
            Bad("[]", lambda g: [], False),
            Bad("[-1, 2]", lambda g: [-1, 2], False),
            Bad("[2.5, 2]", lambda g: [2.5, 2], True),
            Bad("[True, 2]", lambda g: [True, 2], True),
            Bad("['a', 2]", lambda g: ["a", 2], True),
            Bad("[nan]", lambda g: [math.nan], True),
            Bad("[10**9, 10**9]", lambda g: [10**9, 10**9], False),
            Bad("[10**30]", lambda g: [10**30], False),
        ]
    if kind == "array":

        def poisoned(value: float) -> Callable[[Any], Any]:
            def make(g: Any) -> Any:
                arr = np.array(_as_numpy(g), dtype=float)
                if arr.size == 0:
                    return arr
                arr.flat[-1] = value
                return _like(g, arr)

            return make

        def scaled(factor: float) -> Callable[[Any], Any]:
            return lambda g: _like(g, np.asarray(_as_numpy(g), dtype=float) * factor)

        return [
            *common,
            Bad("'no'", lambda g: "no", True),
            Bad("[]", lambda g: [], False),
            Bad("empty(0, ...)", lambda g: np.zeros((0, *np.shape(_as_numpy(g))[1:])), False),
            Bad("ragged", lambda g: [[1.0, 2.0], [3.0]], True),
            Bad("[[1, None]]", lambda g: [[1.0, None]], True),
            Bad("nan-poisoned", poisoned(math.nan), True),
            Bad("inf-poisoned", poisoned(math.inf), True),
            Bad("complex", lambda g: np.asarray(_as_numpy(g)) * 1j + 1, True),
            Bad("strings", lambda g: np.asarray(_as_numpy(g)).astype(str), True),
            Bad("extra axis", lambda g: np.asarray(_as_numpy(g))[..., None].repeat(2, -1), False),
            Bad("flattened", lambda g: np.ravel(_as_numpy(g)), False),
            Bad("scalar 3.0", lambda g: 3.0, False),
            Bad("x1e200", scaled(1e200), False),
            Bad("x1e-200", scaled(1e-200), False),
            Bad("x-1", scaled(-1.0), False),
        ]
    if kind == "arrays":  # a list of matrices
        return [
            *common,
            Bad("'no'", lambda g: "no", True),
            Bad("[]", lambda g: [], False),
            Bad("[None]", lambda g: [None], True),
            Bad("['no']", lambda g: ["no"], True),
            Bad("[nan-poisoned...]", lambda g: [np.full(np.shape(w), np.nan) for w in g], True),
            Bad("[complex...]", lambda g: [np.asarray(w) * 1j for w in g], True),
            Bad("[1-D...]", lambda g: [np.ravel(w) for w in g], False),
            Bad("[x1e200...]", lambda g: [np.asarray(w) * 1e200 for w in g], False),
            Bad("reversed", lambda g: list(g)[::-1], False),
        ]
    if kind == "str":
        return [*common, Bad("3", lambda g: 3, True), Bad("b'x'", lambda g: b"x", True)]
    if kind == "any":  # anything may be legitimate
        return [Bad("object()", lambda g: object(), False), Bad("3", lambda g: 3, False)]
    if kind == "callable":
        return [*common, Bad("3", lambda g: 3, True), Bad("'no'", lambda g: "no", True)]
    return [
        *common,
        Bad("3", lambda g: 3, True),
        Bad("'no'", lambda g: "no", True),
        Bad("[1, 2]", lambda g: [1, 2], True),
    ]


def _as_numpy(value: Any) -> Any:
    import numpy as np

    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if value is None:
        return np.ones(3)
    return value


def _like(good: Any, arr: Any) -> Any:
    import torch

    if isinstance(good, torch.Tensor):
        floating = good.is_floating_point() and arr.dtype.kind == "f"
        return torch.as_tensor(arr, dtype=good.dtype if floating else None)
    return arr


# --- the calls --------------------------------------------------------------------------


class NotApplicableError(Exception):
    """The adversarial value could not be made from the good one (not a call)."""


@dataclasses.dataclass
class Case:
    """One call: ``function(**baseline, arg=value)``."""

    module: str
    function: str
    arg: str  # "" for the baseline call
    label: str
    certain: bool


def public_functions(module: str) -> list[tuple[str, Callable[..., Any]]]:
    """Return the public functions defined in ``dlhw.<module>`` (classes excluded)."""
    mod = importlib.import_module(f"dlhw.{module}")
    return [
        (name, member)
        for name, member in vars(mod).items()
        if not name.startswith("_")
        and inspect.isfunction(member)
        and member.__module__ == mod.__name__
    ]


def modules() -> list[str]:
    """Return the ``dlhw`` modules fuzzed (subpackages excluded)."""
    import dlhw

    return sorted(m.name for m in pkgutil.iter_modules(dlhw.__path__) if not m.ispkg)


def _guess(param: inspect.Parameter) -> Any:
    import numpy as np

    kind = _kind(str(param.annotation), param.name)
    return {
        "int": 3,
        "float": 0.1,
        "bool": True,
        "array": np.random.default_rng(0).normal(size=(3, 3) if param.name.isupper() else 3),
        "ints": (2, 2),
        "str": "x",
    }.get(kind)


#: Values the generic lists call certainly invalid that are valid for one argument:
#: ``[1, 2]`` is a fine list of magnitudes or rates, and remat computes its break-even
#: latency in exact rationals, so a latency of 10**400 gives the exact answer.
VALID = frozenset(
    {
        ("elbow.sign_configurations", "magnitudes", "[1, 2]"),
        ("elbow.sign_configurations", "lrs", "[1, 2]"),
        ("remat.break_even_loaddisk", "t_fwd", "10**400"),
        ("remat.break_even_loaddisk", "t_loadmem", "10**400"),
    }
)


def _show_source_target() -> None:
    """Do nothing: a function whose source ``book.show_source`` can read."""


def baseline(module: str, name: str, fn: Callable[..., Any]) -> dict[str, Any]:
    """Good keyword arguments for ``fn`` (required ones only, unless given)."""
    table = _baselines()
    key = f"{module}.{name}"
    if key in table:
        return table[key]()
    good: dict[str, Any] = {}
    for param in inspect.signature(fn).parameters.values():
        if param.default is inspect.Parameter.empty and param.kind not in (
            param.VAR_POSITIONAL,
            param.VAR_KEYWORD,
        ):
            good[param.name] = _guess(param)
    return good


def _raise(error: BaseException) -> Any:
    raise error


def _apply(fn: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    """Call ``fn``; the key ``"*"`` holds the positional ``*args`` if any."""
    kwargs = dict(arguments)
    if "*" not in kwargs:
        return fn(**kwargs)
    positional = []
    for param in inspect.signature(fn).parameters.values():
        if param.kind == param.VAR_POSITIONAL:
            break
        positional.append(kwargs.pop(param.name))
    return fn(*positional, *kwargs.pop("*"), **kwargs)


def cases_for(module: str) -> Iterator[tuple[Case, Callable[[], Any]]]:
    """Every fuzz call of ``module``, with a thunk that performs it."""
    for name, fn in public_functions(module):
        if f"{module}.{name}" in SKIP:
            continue
        try:
            good = baseline(module, name, fn)
        except Exception as err:  # a broken baseline is reported, not fatal
            case = Case(module, name, "", f"baseline setup: {err!r}"[:200], False)
            yield case, functools.partial(_raise, err)
            continue
        yield Case(module, name, "", "baseline", False), functools.partial(_apply, fn, good)
        hints = inspect.signature(fn).parameters
        for param in hints.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            annotation = str(param.annotation)
            kind = _kind(annotation, param.name)
            optional = param.default is None or "None" in annotation
            current = good.get(param.name, param.default)
            values = list(_values(kind))
            none_ok = optional or kind == "any" or param.name == "seed"
            if param.default is not None:  # None as the default is the baseline, not a probe
                values.insert(0, Bad("None", lambda g: None, not none_ok))
            for bad in values:
                try:
                    bad.make(current)
                except Exception:  # this value does not apply to this argument
                    continue
                certain = bad.certain and (f"{module}.{name}", param.name, bad.label) not in VALID
                case = Case(module, name, param.name, bad.label, certain)

                def thunk(
                    fn: Callable[..., Any] = fn,
                    good: dict[str, Any] = good,
                    param: str = param.name,
                    bad: Bad = bad,
                    current: Any = current,
                ) -> Any:
                    try:
                        value = bad.make(current)
                    except Exception as err:  # this value does not apply to this argument
                        raise NotApplicableError(str(err)) from err
                    return _apply(fn, {**good, param: value})

                yield case, thunk


# --- classification ---------------------------------------------------------------------


def _finite(value: Any, depth: int = 0) -> bool | None:  # noqa: PLR0911, PLR0912
    """Whether every number in ``value`` is finite (None when it cannot be told)."""
    import numpy as np
    import torch

    if depth > 4:
        return None
    if isinstance(value, bool | str | bytes) or value is None:
        return True
    if isinstance(value, int | Fraction):
        return True
    if isinstance(value, float | complex | np.number):
        return bool(np.isfinite(value))
    if isinstance(value, torch.Tensor):
        if not (value.is_floating_point() or value.is_complex()):
            return True
        return bool(torch.isfinite(value.detach()).all())
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            return bool(np.all(np.isfinite(value)))
        if value.dtype == object:
            return None
        return True
    if isinstance(value, dict):
        parts = [_finite(v, depth + 1) for v in value.values()]
    elif isinstance(value, list | tuple):
        parts = [_finite(v, depth + 1) for v in list(value)[:1000]]
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [_finite(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)]
    else:
        return None
    return not any(p is False for p in parts)


#: Arguments whose errors are reported under another name: the validation helpers name
#: their ``name`` argument (here ``"arg"``), ``rescale`` the ``name`` it is given.
NAMED_AS = {
    ("validation", "value"): "arg",
    ("validation", "seed"): "arg",
    ("validation", "values"): "X",
}
#: A validation helper refusing its value because of a bound (``minimum=10**12``) names
#: the value (``arg``), or the size (``w``, the ``what`` of ``check_size``): clear too.
ALSO_NAMED = {"validation": ("arg", "X", "w")}


def names_argument(message: str, arg: str) -> bool:
    """Whether ``message`` names ``arg`` as a word (``X`` in "X must be ...")."""
    return re.search(rf"(?<![\w]){re.escape(arg)}(?![\w])", message) is not None


def classify(case: Case, result: Any = None, error: BaseException | None = None) -> dict[str, Any]:
    """Return the outcome of one finished call, as a JSON-able record."""
    record: dict[str, Any] = dataclasses.asdict(case)
    if error is not None:
        message = f"{type(error).__name__}: {str(error)[:300]}"
        shown = NAMED_AS.get((case.module, case.arg), case.arg)
        names = (shown, case.arg, *ALSO_NAMED.get(case.module, ()))
        clear = type(error) in (ValueError, TypeError) and (
            any(names_argument(str(error), n) for n in names) if case.arg else True
        )
        record.update(outcome="clear" if clear else "unclear", detail=message)
        return record
    if inspect.isgenerator(result) or isinstance(result, Iterator):
        items = []
        for _, item in zip(range(1000), result, strict=False):
            items.append(item)
        result = items
    finite = _finite(result)
    if finite is False:
        record.update(outcome="silent", detail="non-finite result")
    elif case.certain:
        record.update(outcome="silent", detail=f"accepted, returned {_short(result)}")
    else:
        record.update(outcome="returned", detail=_short(result))
    return record


def _short(value: Any) -> str:
    import numpy as np

    if isinstance(value, np.ndarray):
        return f"array{value.shape} {value.dtype}"
    text = repr(value)
    return text if len(text) < 120 else text[:117] + "..."


# --- worker and driver ------------------------------------------------------------------


def worker(module: str, start: int, broken: str = "") -> None:
    """Run the calls of ``module`` from index ``start``, one JSON line per call."""
    import resource
    import warnings

    limit = int(os.environ.get("FUZZ_MEMORY_GB", "6")) * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    import numpy as np
    import torch

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    np.seterr(all="ignore")
    out = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (functions that print)
    print("READY", file=out, flush=True)
    # ``broken``: a function whose baseline failed; its other calls would prove nothing
    for index, (case, thunk) in enumerate(cases_for(module)):
        if index < start or (case.arg and case.function == broken):
            continue
        print(json.dumps({"start": index, **dataclasses.asdict(case)}), file=out, flush=True)
        try:
            try:
                result = thunk()
            except NotApplicableError:
                print(json.dumps({"end": index, "skip": True}), file=out, flush=True)
                continue
            except Exception as err:
                record = classify(case, error=err)
            else:
                record = classify(case, result=result)
        except Exception as err:  # the result itself failed (e.g. a bad generator)
            record = classify(case, error=err)
        if case.arg == "" and record["outcome"] in ("clear", "unclear"):
            record["outcome"] = "baseline-error"
            if f"{module}.{case.function}" not in BASELINE_REFUSED:
                broken = case.function
        elif case.arg == "":
            record["outcome"] = "baseline-ok"
        print(json.dumps({"end": index, **record}), file=out, flush=True)
    print("DONE", file=out, flush=True)


def run_module(module: str, timeout: float) -> list[dict[str, Any]]:  # noqa: PLR0912, PLR0915
    """Fuzz ``module`` in worker subprocesses, restarting after each hang or crash."""
    records: list[dict[str, Any]] = []
    start, broken = 0, ""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    while True:
        proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                module,
                "--start",
                str(start),
                "--broken",
                broken,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        pending = b""
        current: dict[str, Any] | None = None
        deadline = time.monotonic() + 120  # import time
        finished = False
        while not finished:
            if b"\n" not in pending:
                wait = deadline - time.monotonic()
                ready, _, _ = select.select([fd], [], [], max(wait, 0))
                if not ready:
                    break  # timeout
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break  # crashed
                pending += chunk
                continue
            raw, pending = pending.split(b"\n", 1)
            line = raw.decode().strip()
            if line == "READY":
                deadline = time.monotonic() + 120
            elif line == "DONE":
                finished = True
            elif line.startswith("{"):
                message = json.loads(line)
                if "start" in message:
                    current = message
                    deadline = time.monotonic() + timeout
                else:
                    message.pop("end")
                    if not message.pop("skip", False):
                        records.append(message)
                    current = None
                    deadline = time.monotonic() + 60  # baseline setup of the next function
        if finished:
            proc.wait()
            return records
        timed_out = proc.poll() is None
        with contextlib.suppress(ProcessLookupError):  # the worker may have exited already
            os.killpg(proc.pid, 9)
        proc.wait()
        if current is None:  # died or stalled between calls: give up on the module
            records.append(
                {
                    "module": module,
                    "function": "?",
                    "arg": "",
                    "label": "worker",
                    "certain": False,
                    "outcome": "unclear",
                    "detail": "worker stopped between calls",
                }
            )
            return records
        index = current.pop("start")
        outcome = "hang" if timed_out else "unclear"
        detail = f"no answer within {timeout:g} s" if timed_out else "worker crashed"
        if current["arg"] == "":
            outcome, broken = "baseline-error", current["function"]
        records.append({**current, "outcome": outcome, "detail": detail})
        start = index + 1


def tally(records: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Count the outcomes per module (baseline calls excluded) and in total."""
    table: dict[str, dict[str, int]] = {}
    for r in records:
        if r["arg"] == "":
            continue
        row = table.setdefault(r["module"], {"calls": 0, **dict.fromkeys(OUTCOMES, 0)})
        row["calls"] += 1
        row[r["outcome"]] += 1
    total = {"calls": 0, **dict.fromkeys(OUTCOMES, 0)}
    for row in table.values():
        for key, count in row.items():
            total[key] += count
    table["TOTAL"] = total
    return table


def print_table(table: dict[str, dict[str, int]]) -> None:
    """Print the tally, one module a line."""
    header = f"{'module':18s}{'calls':>7s}" + "".join(f"{o:>10s}" for o in OUTCOMES)
    print(header)
    print("-" * len(header))
    for module, row in table.items():
        print(f"{module:18s}{row['calls']:7d}" + "".join(f"{row[o]:10d}" for o in OUTCOMES))


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns 1 if any call was unclear, hung or silent."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="dlhw modules (default: all)")
    parser.add_argument("--timeout", type=float, default=4.0, help="seconds per call")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "fuzz" / "report.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--broken", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.start, args.broken)
        return 0
    sys.path.insert(0, str(ROOT))
    chosen = args.modules or modules()
    records: list[dict[str, Any]] = []
    for module in chosen:
        started = time.perf_counter()
        found = run_module(module, args.timeout)
        records.extend(found)
        bad = sum(r["outcome"] in ("unclear", "hang", "silent") for r in found)
        print(
            f"{module}: {len(found)} calls, {bad} failures, {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    table = tally(records)
    print_table(table)
    baselines = [r for r in records if r["arg"] == "" and r["outcome"] != "baseline-ok"]
    for r in baselines:
        print(f"baseline failed: {r['module']}.{r['function']}: {r['detail']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"timeout": args.timeout, "tally": table, "calls": records}
    args.out.write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out}")
    failures = table["TOTAL"]["unclear"] + table["TOTAL"]["hang"] + table["TOTAL"]["silent"]
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, os.environ.get("FUZZ_DLHW_ROOT", str(ROOT)))  # where dlhw is read
    sys.exit(main())
