"""Benchmarks of the CIFAR-10 chapter: ResNet-18 training on 2 cores, augmentation, linear views.

The epoch benchmark is the figure the chapter quotes for the cached run: one epoch of
the full ResNet-18 (width 64) on the 1,500 training images of the digits stand-in. The
width-8 epoch is the in-page replay's budget. The linear views (PCA, CCA, the
least-squares classifier) run on the same 1,500 × 3,072 matrix as the page: its
factorisation once, then every view from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from dlhw import cifar, resnet, views


@pytest.fixture(scope="module")
def standin() -> cifar.ImageData:
    return cifar.digits_standin()


def one_step(width: int) -> float:
    """One SGD step of ResNet-18 at ``width`` on a batch of 64 images."""
    model = resnet.resnet18(width)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(64, 3, 32, 32, generator=gen)
    y = torch.randint(0, 10, (64,), generator=gen)
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()  # type: ignore[no-untyped-call]
    opt.step()
    return loss.item()


@pytest.mark.parametrize("width", [8, 64])
def test_training_step_batch_64(benchmark: Any, width: int) -> None:
    loss = benchmark.pedantic(one_step, args=(width,), rounds=3, iterations=1)
    assert np.isfinite(loss)


@pytest.mark.parametrize("width", [8, 64])
def test_one_epoch_on_the_standin(benchmark: Any, width: int) -> None:
    """One epoch (23 steps of 64 images) with evaluation, torch's default threads (2 cores)."""
    settings = resnet.TrainSettings(width=width, epochs=1)
    run = benchmark.pedantic(resnet.train, args=(settings,), rounds=1, iterations=1)
    benchmark.extra_info["epoch_seconds"] = float(run["epoch_seconds"][0])
    print(f"\nwidth {width}: one epoch of training takes {run['epoch_seconds'][0]:.1f} s")
    assert run["train_size"] == 1500.0


def test_augment_the_training_set(benchmark: Any, standin: cifar.ImageData) -> None:
    x = resnet.to_tensor(standin.train_images)

    def augment() -> torch.Tensor:
        gen = torch.Generator().manual_seed(0)
        return resnet.random_flip(resnet.random_crop(x, gen, padding=4), gen)

    out = benchmark.pedantic(augment, rounds=5, iterations=1)
    assert out.shape == x.shape


def test_factorise_the_standin(benchmark: Any, standin: cifar.ImageData) -> None:
    """The one expensive step of the linear views: the SVD of the 1,500 × 3,072 images."""
    X = cifar.images_as_features(standin.train_images)
    f = benchmark.pedantic(views.centred_svd, args=(X,), rounds=2, iterations=1)
    assert len(f.s) == 1499


def test_linear_views_from_the_factorisation(benchmark: Any, standin: cifar.ImageData) -> None:
    """PCA, CCA and a ridge sweep of the classifier, given the factorisation (the page's use)."""
    X = cifar.images_as_features(standin.train_images)
    y = standin.train_labels
    f = views.centred_svd(X)

    def views_of_the_data() -> float:
        views.pca(f, dim=2)
        views.cca(f, y, dim=2)
        models = [views.fit_linear_classifier(f, y, ridge=lam) for lam in (0.0, 1.0, 10.0, 100.0)]
        return views.accuracy(models[-1], X, y)

    accuracy = benchmark.pedantic(views_of_the_data, rounds=3, iterations=1)
    assert 0.5 < accuracy <= 1.0
