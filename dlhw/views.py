"""Linear views of labelled images: PCA and CCA embeddings, and a least-squares classifier.

All three start from the centred data ``Xc = X - mean`` (one image per row) and its thin
singular value decomposition ``Xc = U diag(s) V^T``:

- **PCA** keeps the directions of largest pixel variance, the first rows of ``V^T``; it
  never looks at the labels.
- **CCA** pairs a direction ``a`` of the images with a direction ``b`` of the one-hot
  labels ``Y`` so that the scores ``Xc a`` and ``Yc b`` are as correlated as possible.
  The image covariance gets a ridge ``reg * I`` (with fewer images than pixels every
  correlation would otherwise be 1). The centred labels have rank ``C - 1`` (their rows
  sum to 0), so there are at most ``C - 1`` non-trivial pairs.
- The **linear-regression classifier** fits ``Y ≈ X W + 1 c^T`` by (ridge) least squares in
  closed form and predicts the class with the largest score.

The SVD is computed from the eigendecomposition of the smaller Gram matrix (``Xc Xc^T``
or ``Xc^T Xc``), which is the same factorisation and several times faster than a direct
SVD for the book's 1,500 × 3,072 matrices; directions whose singular value is at
rounding level are dropped (they are numerically zero). :func:`centred_svd` returns the
factorisation, and every function that takes ``X`` accepts it instead, so many views of
the same images cost one factorisation. :func:`pair_correlation` alone works from the
raw data, so that it can check the CCA directions independently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlhw.validation import (
    as_int,
    as_positive_float,
    as_real_array,
    finite_result,
    rescale,
    scale_exponent,
)

FloatArray = NDArray[np.float64]

#: Relative size below which an eigenvalue of a Gram matrix counts as zero.
GRAM_RTOL = 1e-12
#: Most classes a one-hot or label-count array may have (its width).
MAX_CLASSES = 100_000


# --------------------------------------------------------------------------- input


def _labels(labels: ArrayLike, classes: int, n: int | None = None) -> NDArray[np.int64]:
    """Validate class labels: integers in ``0 .. classes - 1``, one per row of ``X``."""
    if isinstance(labels, str | bytes) or labels is None:
        raise TypeError(f"labels must be an array of integers, got {type(labels).__name__}")
    try:
        array = np.asarray(labels)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"labels must be a 1-D array: {err}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {array.shape}")
    if array.dtype == bool or array.dtype.kind not in "iu":
        raise TypeError(f"labels must be an array of integers, got dtype {array.dtype}")
    if n is not None and array.shape[0] != n:
        raise ValueError(f"labels must have one entry per row of X ({n}), got {array.shape[0]}")
    if array.min() < 0 or array.max() >= classes:
        raise ValueError(f"labels must lie in 0..{classes - 1} (classes={classes})")
    return array.astype(np.int64)


def _images(X: ArrayLike) -> FloatArray:
    A = as_real_array(X, "X", ndim=2)
    if A.shape[0] < 2:
        raise ValueError(f"X must have at least 2 rows to be centred, got {A.shape[0]}")
    return A


def _classes(classes: object) -> int:
    return as_int(
        classes, "classes", minimum=2, maximum=MAX_CLASSES, limit_name="dlhw.views.MAX_CLASSES"
    )


def _one_hot(y: NDArray[np.int64], classes: int) -> FloatArray:
    Y = np.zeros((len(y), classes))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def _flip_signs(rows: FloatArray) -> FloatArray:
    """Make the entry of largest magnitude of each row positive (a deterministic sign)."""
    pick = np.argmax(np.abs(rows), axis=1)
    signs: FloatArray = np.sign(rows[np.arange(len(rows)), pick])
    return rows * signs[:, None]


@dataclass(frozen=True)
class CentredSVD:
    """The thin SVD ``X - mean = U diag(s) Vt`` of a data matrix, from :func:`centred_svd`.

    Every function of this module that takes ``X`` also takes this record instead, so
    a chapter that fits many views of the same images factorises them once.

    Attributes
    ----------
    mean
        The mean row, shape ``(d,)``.
    U
        Left singular vectors, shape ``(n, r)``, orthonormal columns.
    s
        The ``r`` singular values above rounding level, decreasing.
    Vt
        Right singular vectors as rows, shape ``(r, d)``.

    Examples
    --------
    >>> f = centred_svd([[0.0, 0.0], [2.0, 0.0], [4.0, 1.0]])
    >>> f.U.shape, f.Vt.shape
    ((3, 2), (2, 2))
    """

    mean: FloatArray
    U: FloatArray
    s: FloatArray
    Vt: FloatArray


def centred_svd(X: ArrayLike) -> CentredSVD:
    """Centre the rows of ``X`` and factorise: ``X - mean = U diag(s) Vt``.

    The factors come from the eigendecomposition of the smaller Gram matrix:
    ``Xc Xc^T = U diag(s^2) U^T`` (then ``Vt = diag(1/s) U^T Xc``) when ``n <= d``,
    ``Xc^T Xc = V diag(s^2) V^T`` (then ``U = Xc V diag(1/s)``) otherwise. Singular
    values whose square is below :data:`GRAM_RTOL` times the largest are dropped, so
    ``r`` is the numerical rank of the centred data (at most ``n - 1``).

    Parameters
    ----------
    X
        Data, one sample per row, shape ``(n, d)`` with ``n >= 2``, finite.

    Returns
    -------
    CentredSVD

    Raises
    ------
    TypeError
        If ``X`` is not an array of real numbers.
    ValueError
        If ``X`` is not 2-D, has fewer than 2 rows, or holds NaN or inf.

    Examples
    --------
    >>> f = centred_svd([[1.0, 0.0], [3.0, 0.0], [5.0, 0.0]])
    >>> f.s, f.Vt
    (array([2.82842712]), array([[1., 0.]]))
    """
    A = as_real_array(X, "X", ndim=2)
    if A.shape[0] < 2:
        raise ValueError(f"X must have at least 2 rows to be centred, got {A.shape[0]}")
    # work on Xc / 2**e (exact) so that the Gram matrix of entries of size 1e±200
    # neither overflows nor underflows; the singular values are scaled back at the end
    e = scale_exponent(A)
    mean = A.mean(axis=0)
    Xc = np.ldexp(A, -e) - np.ldexp(mean, -e)
    wide = Xc.shape[0] <= Xc.shape[1]
    eigenvalues, vectors = np.linalg.eigh(Xc @ Xc.T if wide else Xc.T @ Xc)
    eigenvalues, vectors = eigenvalues[::-1], vectors[:, ::-1]
    keep = eigenvalues > GRAM_RTOL * max(eigenvalues[0], 0.0)
    s = np.sqrt(eigenvalues[keep])
    if wide:
        U = vectors[:, keep]
        Vt = (Xc.T @ U / s).T
    else:
        Vt = vectors[:, keep].T
        U = Xc @ Vt.T / s
    # a singular vector's sign is arbitrary; fix it so that each row of Vt has its
    # entry of largest magnitude positive (and flip the matching column of U)
    signs = np.sign(Vt[np.arange(len(s)), np.argmax(np.abs(Vt), axis=1)])
    s = rescale(s, e, "X", "its singular values") if s.size else s
    return CentredSVD(mean=mean, U=U * signs, s=s, Vt=Vt * signs[:, None])


def _factor(X: ArrayLike | CentredSVD) -> CentredSVD:
    return X if isinstance(X, CentredSVD) else centred_svd(X)


# --------------------------------------------------------------------------- labels


def one_hot(labels: ArrayLike, classes: int = 10) -> FloatArray:
    """One-hot rows: ``Y[i, k] = 1`` if ``labels[i] == k``, else 0.

    Parameters
    ----------
    labels
        Integers in ``0 .. classes - 1``, shape ``(n,)``.
    classes
        Number of classes ``C >= 2``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(n, C)``.

    Raises
    ------
    TypeError
        If ``labels`` are not integers or ``classes`` is not an integer.
    ValueError
        If a label is out of range or ``labels`` is empty or not 1-D.

    Examples
    --------
    >>> one_hot([2, 0], classes=3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    C = _classes(classes)
    y = _labels(labels, C)
    return _one_hot(y, C)


def label_scatter(labels: ArrayLike, classes: int = 10) -> NDArray[np.int64]:
    """``n^2 Yc^T Yc`` for the centred one-hot labels, in exact integers.

    With ``c_k`` the number of labels equal to ``k`` and ``Yc = Y - 1 (c / n)^T``, the
    scatter matrix is ``Yc^T Yc = diag(c) - c c^T / n``, so ``n^2 Yc^T Yc`` equals the
    integer matrix ``n (n diag(c) - c c^T)``. Its rows sum to 0 (``Yc 1 = 0`` because each
    row of ``Y`` sums to 1) and its rank is the number of classes present minus one:
    this is why CCA against labels has at most ``C - 1`` non-trivial directions.

    Parameters
    ----------
    labels
        Integers in ``0 .. classes - 1``.
    classes
        Number of classes ``C >= 2``.

    Returns
    -------
    numpy.ndarray
        int64 array ``n (n diag(c) - c c^T)`` of shape ``(C, C)``, or Python integers
        (``dtype=object``) if an entry could overflow int64.

    Raises
    ------
    TypeError, ValueError
        As :func:`one_hot`.

    Examples
    --------
    >>> label_scatter([0, 1, 1], classes=3)
    array([[ 6, -6,  0],
           [-6,  6,  0],
           [ 0,  0,  0]])
    >>> int(np.linalg.matrix_rank(label_scatter(np.arange(20) % 10)))
    9
    """
    C = _classes(classes)
    y = _labels(labels, C)
    n = len(y)
    counts = [int(c) for c in np.bincount(y, minlength=C)]
    exact = np.array(
        [
            [n * (n * c * (i == j) - c * d) for j, d in enumerate(counts)]
            for i, c in enumerate(counts)
        ],
        dtype=object,
    )
    fits = n**3 < np.iinfo(np.int64).max
    return exact.astype(np.int64) if fits else exact


# --------------------------------------------------------------------------- PCA


@dataclass(frozen=True)
class PCAView:
    """A PCA embedding: ``embed(X) = (X - mean) @ components.T``.

    Attributes
    ----------
    mean
        The mean image, shape ``(d,)``.
    components
        Orthonormal principal directions as rows, shape ``(k, d)``, largest variance
        first; each row's entry of largest magnitude is positive.
    variances
        The variance of the data along each direction, ``s^2 / (n - 1)``, shape ``(k,)``.

    Examples
    --------
    >>> view = pca([[0.0, 0.0], [2.0, 0.0], [4.0, 1.0]], dim=1)
    >>> view.embed([[2.0, 0.0]]).shape
    (1, 1)
    """

    mean: FloatArray
    components: FloatArray
    variances: FloatArray

    def embed(self, X: ArrayLike) -> FloatArray:
        """Return the coordinates of the rows of ``X`` along the principal directions.

        Parameters
        ----------
        X
            Data with ``d`` columns, shape ``(m, d)``.

        Returns
        -------
        numpy.ndarray
            Shape ``(m, k)``.

        Raises
        ------
        TypeError, ValueError
            For non-numeric, non-finite or mis-shaped ``X``.
        """
        A = as_real_array(X, "X", ndim=2)
        if A.shape[1] != self.mean.shape[0]:
            raise ValueError(f"X must have {self.mean.shape[0]} columns, got {A.shape[1]}")
        return (A - self.mean) @ self.components.T


def pca(X: ArrayLike | CentredSVD, dim: int = 2) -> PCAView:
    """Principal component analysis by the SVD of the centred data.

    Parameters
    ----------
    X
        Data, one sample per row, shape ``(n, d)`` with ``n >= 2``, or its
        :func:`centred_svd`.
    dim
        Number of directions ``k``, at most the rank of the centred data.

    Returns
    -------
    PCAView
        ``components`` are the first ``k`` right singular vectors of ``X - mean``.

    Raises
    ------
    TypeError
        If ``X`` is not numeric or ``dim`` is not an integer.
    ValueError
        If ``X`` is not a finite 2-D array with two rows or more, or ``dim`` is out of range.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)) * [3.0, 1.0, 0.1]
    >>> view = pca(X, dim=2)
    >>> np.round(np.abs(view.components), 2)
    array([[1., 0., 0.],
           [0., 1., 0.]])
    >>> np.round(view.variances, 1)
    array([9.3, 1. ])
    """
    f = _factor(X)
    k = as_int(dim, "dim", minimum=1)
    if k > len(f.s):
        raise ValueError(f"dim must be at most the rank of the centred data ({len(f.s)}), got {k}")
    variances = finite_result(f.s[:k] ** 2 / (len(f.U) - 1), "X", "the variances s²/(n - 1)")
    return PCAView(mean=f.mean, components=f.Vt[:k], variances=variances)


# --------------------------------------------------------------------------- CCA


@dataclass(frozen=True)
class CCAView:
    """A CCA embedding: ``embed(X) = (X - x_mean) @ x_directions``.

    Attributes
    ----------
    x_mean
        The mean image, shape ``(d,)``.
    x_directions
        Image directions ``a_1, ..., a_k`` as columns, shape ``(d, k)``, normalised so that
        ``a^T (Cxx + reg I) a = 1`` (unit regularised variance).
    y_directions
        Label directions ``b_1, ..., b_k`` as columns, shape ``(C, k)``, normalised so that
        ``b^T Cyy b = 1``; each column's entry of largest magnitude is positive.
    correlations
        The regularised canonical correlations ``rho_1 >= ... >= rho_k``.
    reg
        The ridge added to the image covariance.

    Examples
    --------
    >>> cca([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1], classes=2, dim=1, reg=0.0).correlations
    array([0.89442719])
    """

    x_mean: FloatArray
    x_directions: FloatArray
    y_directions: FloatArray
    correlations: FloatArray
    reg: float

    def embed(self, X: ArrayLike) -> FloatArray:
        """Return the scores of the rows of ``X`` along the image directions.

        Parameters
        ----------
        X
            Images with ``d`` columns, shape ``(m, d)``.

        Returns
        -------
        numpy.ndarray
            Shape ``(m, k)``.

        Raises
        ------
        TypeError, ValueError
            For non-numeric, non-finite or mis-shaped ``X``.
        """
        A = as_real_array(X, "X", ndim=2)
        if A.shape[1] != self.x_mean.shape[0]:
            raise ValueError(f"X must have {self.x_mean.shape[0]} columns, got {A.shape[1]}")
        return (A - self.x_mean) @ self.x_directions


class _CCAParts(NamedTuple):
    mean: FloatArray  # the mean image
    Vt: FloatArray  # right singular vectors of the centred images, (r, d)
    gain: FloatArray  # s / (s^2 + (n - 1) reg): (Cxx + reg I)^{-1} Cxy = V diag(gain) P
    P: FloatArray  # U^T Yc, the centred labels in the left singular basis, (r, C)
    B: FloatArray  # label directions Cyy^{+1/2} q_k as columns, (C, C)
    rho2: FloatArray  # eigenvalues of M, decreasing
    present: int  # number of classes that occur


def _cca_parts(X: ArrayLike | CentredSVD, labels: ArrayLike, classes: int, reg: float) -> _CCAParts:
    """Eigenpairs of ``M = Cyy^{+1/2} Cyx (Cxx + reg I)^{-1} Cxy Cyy^{+1/2}`` and its factors."""
    f = _factor(X)
    mean, U, s, Vt = f.mean, f.U, f.s, f.Vt
    n = len(U)
    C = _classes(classes)
    y = _labels(labels, C, n)
    ridge = as_positive_float(reg, "reg", allow_zero=True)
    Y = _one_hot(y, C)
    P = U.T @ (Y - Y.mean(axis=0))
    shrink = 1.0 / (1.0 + (n - 1) * ridge / s / s)  # s * s / (s * s + (n - 1) ridge), no overflow
    H = P.T @ (shrink[:, None] * P) / (n - 1)  # Cyx (Cxx + reg I)^{-1} Cxy
    # Cyy = diag(p) - p p^T (times n / (n - 1)) with p the class frequencies; its
    # pseudo-inverse square root lives on the span of the centred labels (orthogonal to 1)
    p = np.bincount(y, minlength=C) / n
    w, E = np.linalg.eigh((np.diag(p) - np.outer(p, p)) * n / (n - 1))
    inv_root = np.zeros_like(w)
    positive = w > GRAM_RTOL * w.max()
    inv_root[positive] = w[positive] ** -0.5
    root = (E * inv_root) @ E.T
    rho2, Q = np.linalg.eigh(root @ H @ root)
    return _CCAParts(
        mean=mean,
        Vt=Vt,
        gain=shrink / s,
        P=P,
        B=root @ Q[:, ::-1],
        rho2=rho2[::-1],
        present=int(np.count_nonzero(p)),
    )


def canonical_correlations(
    X: ArrayLike | CentredSVD, labels: ArrayLike, classes: int = 10, *, reg: float = 1e-2
) -> FloatArray:
    """All ``C`` regularised canonical correlations between images and one-hot labels.

    They are the square roots of the eigenvalues of
    ``Cyy^{+1/2} Cyx (Cxx + reg I)^{-1} Cxy Cyy^{+1/2}``, a ``C × C`` matrix whose rank is at
    most ``rank(Yc) = (classes present) - 1``: the last entries are 0 up to rounding.

    Parameters
    ----------
    X
        Images as rows, shape ``(n, d)``, or their :func:`centred_svd`.
    labels
        Class of each row, integers in ``0 .. classes - 1``.
    classes
        Number of classes ``C``.
    reg
        Ridge ``>= 0`` added to the image covariance ``Cxx`` (covariances divide by ``n - 1``).

    Returns
    -------
    numpy.ndarray
        Shape ``(C,)``, decreasing, in ``[0, 1]``.

    Raises
    ------
    TypeError, ValueError
        For non-numeric, non-finite or mis-shaped ``X``, bad labels or a negative ``reg``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(300) % 3
    >>> X = np.eye(3)[y] @ rng.normal(size=(3, 5)) + rng.normal(size=(300, 5))
    >>> canonical_correlations(X, y, classes=3, reg=0.0).round(3)
    array([0.86 , 0.607, 0.   ])
    """
    return np.sqrt(np.clip(_cca_parts(X, labels, classes, reg).rho2, 0.0, 1.0))


def cca(
    X: ArrayLike | CentredSVD,
    labels: ArrayLike,
    classes: int = 10,
    *,
    dim: int = 2,
    reg: float = 1e-2,
) -> CCAView:
    """Regularised CCA between images and their one-hot labels: the first ``dim`` pairs.

    The pair ``(a_1, b_1)`` maximises ``corr_reg(a, b)`` of :func:`pair_correlation`;
    each next pair maximises it among directions uncorrelated with the previous ones.
    ``b_k = Cyy^{+1/2} q_k`` with ``q_k`` the ``k``-th eigenvector of
    ``M = Cyy^{+1/2} Cyx (Cxx + reg I)^{-1} Cxy Cyy^{+1/2}`` and
    ``a_k = (Cxx + reg I)^{-1} Cxy b_k / rho_k``.

    Parameters
    ----------
    X
        Images as rows, shape ``(n, d)``, or their :func:`centred_svd`.
    labels
        Class of each row, integers in ``0 .. classes - 1``.
    classes
        Number of classes ``C``.
    dim
        Number of pairs, at most ``(classes present) - 1`` (``C - 1 = 9`` for CIFAR-10) and
        at most the rank of the centred images: only these correlations can be non-zero.
    reg
        Ridge ``>= 0`` added to the image covariance.

    Returns
    -------
    CCAView

    Raises
    ------
    TypeError, ValueError
        As :func:`canonical_correlations`; ``ValueError`` if ``dim`` asks for a trivial
        direction.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(300) % 3
    >>> X = np.eye(3)[y] @ rng.normal(size=(3, 5)) + rng.normal(size=(300, 5))
    >>> view = cca(X, y, classes=3, dim=2, reg=0.0)
    >>> view.x_directions.shape, view.y_directions.shape
    ((5, 2), (3, 2))
    >>> scores = view.embed(X)
    >>> round(float(np.corrcoef(scores[:, 0], np.eye(3)[y] @ view.y_directions[:, 0])[0, 1]), 3)
    0.86
    >>> cca(X, y, classes=3, dim=3)
    Traceback (most recent call last):
    ...
    ValueError: dim must be at most 2: the centred one-hot labels of 3 classes have rank 2, ...
    """
    k = as_int(dim, "dim", minimum=1)
    parts = _cca_parts(X, labels, classes, reg)
    present = parts.present
    if k > present - 1:
        raise ValueError(
            f"dim must be at most {present - 1}: the centred one-hot labels of {present} "
            f"classes have rank {present - 1}, so there are only {present - 1} non-trivial "
            f"directions, got dim={k}"
        )
    rho = np.sqrt(np.clip(parts.rho2[:k], 0.0, 1.0))
    if rho[-1] <= 0:
        raise ValueError(
            f"dim={k} reaches a zero canonical correlation (the centred X has rank "
            f"{len(parts.gain)}); use a smaller dim"
        )
    B = _flip_signs(parts.B[:, :k].T).T
    x_dirs = parts.Vt.T @ (parts.gain[:, None] * (parts.P @ B)) / rho
    return CCAView(parts.mean, x_dirs, B, rho, float(reg))


def pair_correlation(
    X: ArrayLike,
    labels: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    classes: int = 10,
    *,
    reg: float = 0.0,
) -> FloatArray | float:
    """Return the (regularised) correlation of the scores ``Xc a`` and ``Yc b``.

    ``corr_reg(a, b) = a^T Cxy b / sqrt((a^T Cxx a + reg |a|^2) b^T Cyy b)``, computed
    directly from the centred data (no SVD). For ``reg = 0`` it is the Pearson
    correlation of ``X a`` and ``Y b``. CCA's first pair maximises it, so
    ``pair_correlation(X, y, a, b, reg=r) <= cca(X, y, reg=r).correlations[0]`` for every
    pair of directions: a falsification search over ``(a, b)`` attacks that claim.

    Parameters
    ----------
    X
        Images as rows, shape ``(n, d)``.
    labels
        Class of each row.
    a
        Image direction(s), shape ``(d,)`` or a batch ``(m, d)``.
    b
        Label direction(s), shape ``(C,)`` or ``(m, C)``; ``b`` must not be constant
        (a constant ``b`` scores every image 0 after centring).
    classes
        Number of classes ``C``.
    reg
        Ridge ``>= 0`` as in :func:`cca`.

    Returns
    -------
    float or numpy.ndarray
        One value, or shape ``(m,)`` for a batch.

    Raises
    ------
    TypeError, ValueError
        For bad data, mismatched shapes, a constant ``b`` or a zero-variance ``a``.

    Examples
    --------
    >>> X = [[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]]
    >>> round(pair_correlation(X, [0, 0, 1, 1], [1.0, 0.0], [0.0, 1.0], classes=2), 4)
    0.8944
    """
    A = _images(X)
    C = _classes(classes)
    y = _labels(labels, C, A.shape[0])
    ridge = as_positive_float(reg, "reg", allow_zero=True)
    a_arr = as_real_array(a, "a")
    b_arr = as_real_array(b, "b")
    if a_arr.ndim not in (1, 2) or a_arr.shape[-1] != A.shape[1]:
        raise ValueError(
            f"a must have shape ({A.shape[1]},) or (m, {A.shape[1]}), got {a_arr.shape}"
        )
    if b_arr.ndim not in (1, 2) or b_arr.shape[-1] != C:
        raise ValueError(f"b must have shape ({C},) or (m, {C}), got {b_arr.shape}")
    single = a_arr.ndim == 1 and b_arr.ndim == 1
    a2, b2 = np.atleast_2d(a_arr), np.atleast_2d(b_arr)
    if len(a2) != len(b2) and 1 not in (len(a2), len(b2)):
        raise ValueError(
            f"a and b must hold the same number of directions, got {len(a2)}, {len(b2)}"
        )
    n = len(A)
    u = (A - A.mean(axis=0)) @ a2.T  # (n, m) image scores
    Y = _one_hot(y, C)
    v = (Y - Y.mean(axis=0)) @ b2.T  # (n, m) label scores
    var_u = (u * u).sum(axis=0) / (n - 1) + ridge * (a2 * a2).sum(axis=1)
    var_v = (v * v).sum(axis=0) / (n - 1)
    if np.any(var_v <= 1e-20 * (b2 * b2).sum(axis=1)):  # std of Yc b at rounding level
        raise ValueError("b must not be constant on the classes present: Yc b is then 0")
    if np.any(var_u <= 0):
        raise ValueError("a must give the images X non-zero (regularised) variance")
    value = (u * v).sum(axis=0) / (n - 1) / np.sqrt(var_u * var_v)
    finite_result(value, "X, a and b", "the correlation")
    return float(value[0]) if single else value


# --------------------------------------------------------------------------- classifier


@dataclass(frozen=True)
class LinearClassifier:
    """Scores ``X @ weights + bias``; the predicted class is the largest score.

    Examples
    --------
    >>> model = LinearClassifier(np.eye(2), np.zeros(2))
    >>> model.predict([[0.2, 0.9], [3.0, 1.0]])
    array([1, 0])
    """

    weights: FloatArray
    bias: FloatArray

    def scores(self, X: ArrayLike) -> FloatArray:
        """Return the class scores ``X @ weights + bias`` of each row of ``X``.

        Parameters
        ----------
        X
            Images with ``d`` columns, shape ``(m, d)``.

        Returns
        -------
        numpy.ndarray
            Shape ``(m, C)``.

        Raises
        ------
        TypeError, ValueError
            For non-numeric, non-finite or mis-shaped ``X``.
        """
        A = as_real_array(X, "X", ndim=2)
        if A.shape[1] != self.weights.shape[0]:
            raise ValueError(f"X must have {self.weights.shape[0]} columns, got {A.shape[1]}")
        return A @ self.weights + self.bias

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """Return the predicted class (the largest score) of each row of ``X``.

        Parameters
        ----------
        X
            Images with ``d`` columns, shape ``(m, d)``.

        Returns
        -------
        numpy.ndarray
            int64 classes, shape ``(m,)``.

        Raises
        ------
        TypeError, ValueError
            For non-numeric, non-finite or mis-shaped ``X``.
        """
        predicted: NDArray[np.int64] = np.argmax(self.scores(X), axis=1).astype(np.int64)
        return predicted


def fit_linear_classifier(
    X: ArrayLike | CentredSVD, labels: ArrayLike, classes: int = 10, *, ridge: float = 0.0
) -> LinearClassifier:
    """Least squares onto one-hot labels, in closed form: ``min |X W + 1 c^T - Y|^2 + ridge |W|^2``.

    The bias ``c`` is not penalised, so it equals ``mean(Y) - W^T mean(X)`` and ``W`` solves
    the centred problem: ``W = V diag(s / (s^2 + ridge)) U^T Yc``. For ``ridge = 0`` this
    is the minimum-norm least-squares solution (the pseudo-inverse); with fewer images
    than pixels it fits every training label exactly.

    Parameters
    ----------
    X
        Images as rows, shape ``(n, d)``, or their :func:`centred_svd`.
    labels
        Class of each row, integers in ``0 .. classes - 1``.
    classes
        Number of classes ``C``.
    ridge
        Penalty ``>= 0`` on the squared Frobenius norm of ``W``.

    Returns
    -------
    LinearClassifier

    Raises
    ------
    TypeError, ValueError
        For bad data or labels, or a negative ``ridge``.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [3.0, 0.0], [3.0, 1.0]])
    >>> model = fit_linear_classifier(X, [0, 0, 1, 1], classes=2)
    >>> model.predict(X), accuracy(model, X, [0, 0, 1, 1])
    (array([0, 0, 1, 1]), 1.0)
    """
    f = _factor(X)
    C = _classes(classes)
    y = _labels(labels, C, len(f.U))
    lam = as_positive_float(ridge, "ridge", allow_zero=True)
    Y = _one_hot(y, C)
    gain = 1.0 / (f.s + lam / f.s)  # s / (s² + ridge) without overflow or underflow
    W = finite_result(f.Vt.T @ (gain[:, None] * (f.U.T @ (Y - Y.mean(axis=0)))), "X", "the weights")
    return LinearClassifier(weights=W, bias=Y.mean(axis=0) - f.mean @ W)


def accuracy(model: LinearClassifier, X: ArrayLike, labels: ArrayLike) -> float:
    """Fraction of the rows of ``X`` whose predicted class is their label.

    Parameters
    ----------
    model
        A fitted classifier.
    X
        Images as rows.
    labels
        The true classes, one per row.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    TypeError, ValueError
        For a model that is not a :class:`LinearClassifier`, or bad data or labels.

    Examples
    --------
    >>> accuracy(LinearClassifier(np.eye(2), np.zeros(2)), [[1.0, 0.0], [1.0, 0.0]], [0, 1])
    0.5
    """
    if not isinstance(model, LinearClassifier):
        raise TypeError(f"model must be a LinearClassifier, got {type(model).__name__}")
    predicted = model.predict(X)
    y = _labels(labels, model.weights.shape[1], len(predicted))
    return float(np.mean(predicted == y))
