"""Linear views of a data set: PCA, regularised CCA against labels, and ridge regression.

All three reduce to one eigendecomposition of the smaller of the two Gram matrices of
the centred data ``X_c`` (``n × p``): the *sample* Gram matrix ``X_c X_c^T`` (``n × n``)
when there are fewer samples than features, as for the book's stand-in images
(1,500 images of 3,072 pixels), and the covariance ``X_c^T X_c`` (``p × p``) otherwise,
as for CIFAR-10 (50,000 images). Either gives the thin SVD ``X_c = U S V^T``.

* :func:`pca` — the principal directions are the columns of ``V``; the embedding of the
  samples is ``X_c V_k = U_k S_k``.
* :func:`cca` — regularised canonical correlation analysis between ``X`` and ``Y``
  (for classification, the one-hot labels of :func:`one_hot`): with
  ``C_xx = X_c^T X_c / n + r_x I``, ``C_yy = Y_c^T Y_c / n + r_y I`` and
  ``C_xy = X_c^T Y_c / n``, the canonical correlations are the singular values of
  ``C_xx^{-1/2} C_xy C_yy^{-1/2}`` and the directions are ``C_xx^{-1/2}`` and
  ``C_yy^{-1/2}`` times its singular vectors. Because ``C_xy = V S U^T Y_c / n`` and the
  part of ``C_xx^{-1/2}`` orthogonal to ``V`` meets only zeros, the ``p × p`` matrices are
  never formed.
* :func:`ridge` — the closed-form least-squares classifier
  ``W = (X_c^T X_c + lam I)^{-1} X_c^T Y_c = V (S^2 + lam)^{-1} S U^T Y_c``.

Signs of singular vectors are arbitrary; every function here fixes them the same way
(:func:`fix_signs`), so two computations of one embedding can be compared entry by entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlhw.validation import as_int, as_matrix, as_positive_float, as_real_array, as_vector

#: Relative size below which a singular value counts as zero (the rank tolerance). Singular
#: values taken from the eigenvalues of a Gram matrix are accurate to about ``sqrt(eps)``
#: times the largest, so a zero one comes out near ``1e-8``: the tolerance sits above that.
RANK_TOL = 1e-6
#: Most entries of a data matrix (a float64 copy is made).
MAX_ENTRIES = 10**9


def _data(X: ArrayLike, name: str) -> NDArray[np.float64]:
    M = as_matrix(X, name)
    if M.shape[0] < 2:
        raise ValueError(f"{name} must have at least 2 rows (samples), got {M.shape[0]}")
    if M.size > MAX_ENTRIES:
        raise ValueError(f"{name} has {M.size} entries, more than MAX_ENTRIES = {MAX_ENTRIES}")
    return M


def fix_signs(columns: NDArray[np.float64]) -> NDArray[np.float64]:
    """Flip each column so that its entry of largest magnitude is positive.

    Parameters
    ----------
    columns
        A 2-D float array, each column a vector defined up to sign (or one 1-D vector).

    Returns
    -------
    numpy.ndarray
        A copy with ``columns[argmax |c|, j] > 0`` for every non-zero column ``j``.

    Examples
    --------
    >>> fix_signs(np.array([[1.0, 2.0], [-3.0, 1.0]]))
    array([[-1.,  2.],
           [ 3.,  1.]])
    """
    M = as_real_array(columns, "columns")
    if M.ndim == 1:  # one vector
        return fix_signs(M[:, None])[:, 0]
    if M.ndim != 2:
        raise ValueError(f"columns must be a 1-D or 2-D array, got {M.ndim} dimensions")
    if M.size == 0:
        return M
    pivot = M[np.abs(M).argmax(axis=0), np.arange(M.shape[1])]
    return M * np.where(pivot < 0, -1.0, 1.0)


@dataclass(frozen=True)
class ThinSVD:
    """The thin SVD ``X_c = U S V^T`` of centred data, with its rank ``r``.

    Attributes
    ----------
    mean
        Column means of ``X`` (``p``,).
    U, S
        ``(n, r)`` with columns signed by :func:`fix_signs`, and ``(r,)`` decreasing and
        positive.
    centred
        ``X_c`` itself, from which ``V = X_c^T U S^{-1}`` is computed when needed.

    Examples
    --------
    >>> svd = thin_svd([[0.0, 1.0], [2.0, 0.0], [4.0, 2.0]])
    >>> bool(np.allclose(svd.U * svd.S @ svd.V.T, svd.centred))
    True
    """

    mean: NDArray[np.float64]
    U: NDArray[np.float64]
    S: NDArray[np.float64]
    centred: NDArray[np.float64]

    def right(self, M: ArrayLike) -> NDArray[np.float64]:
        """Return ``V M`` for a matrix ``M`` with ``r`` rows, without forming ``V``."""
        coefficients = np.asarray(M, dtype=np.float64)
        out: NDArray[np.float64] = self.centred.T @ (self.U @ (coefficients / self.S[:, None]))
        return out

    @property
    def V(self) -> NDArray[np.float64]:
        """The right singular vectors ``(p, r)``."""
        return self.right(np.eye(len(self.S)))


def thin_svd(X: ArrayLike) -> ThinSVD:
    """Centre ``X`` and compute its thin SVD from the smaller Gram matrix.

    Parameters
    ----------
    X
        Data ``(n, p)``, one sample per row, ``n >= 2``.

    Returns
    -------
    ThinSVD
        Only the singular values above ``RANK_TOL`` times the largest are kept.

    Raises
    ------
    TypeError, ValueError
        If ``X`` is not a finite real matrix with at least two rows.

    Examples
    --------
    >>> svd = thin_svd([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    >>> svd.S.round(6), np.abs(svd.V).round(6)
    (array([2., 1.]), array([[1., 0.],
           [0., 1.]]))
    """
    M = _data(X, "X")
    mean = M.mean(axis=0)
    Xc = M - mean
    n, p = Xc.shape
    if not np.isfinite(Xc).all():
        raise ValueError("X is too large: centring it overflows float64; rescale the data")
    # scale by a power of two (exact) so that the Gram matrix neither overflows nor underflows
    largest = float(np.abs(Xc).max())
    exponent = int(np.frexp(largest)[1]) if largest > 0 else 0
    Xs = np.ldexp(Xc, -exponent)
    if n <= p:
        values, U = np.linalg.eigh(Xs @ Xs.T)
        order = np.argsort(values)[::-1]
        values, U = np.clip(values[order], 0, None), U[:, order]
        S = np.sqrt(values)
        keep = RANK_TOL * max(S[0], np.finfo(float).tiny) < S
        U, S = U[:, keep], S[keep]
    else:
        values, V = np.linalg.eigh(Xs.T @ Xs)
        order = np.argsort(values)[::-1]
        values, V = np.clip(values[order], 0, None), V[:, order]
        S = np.sqrt(values)
        keep = RANK_TOL * max(S[0], np.finfo(float).tiny) < S
        V, S = V[:, keep], S[keep]
        U = (Xs @ V) / S
    return ThinSVD(mean=mean, U=fix_signs(U), S=np.ldexp(S, exponent), centred=Xc)


@dataclass(frozen=True)
class PCA:
    """Principal components of a data set (see :func:`pca`).

    Attributes
    ----------
    mean
        Column means (``p``,).
    components
        ``(p, k)``: the unit principal directions.
    scores
        ``(n, k)``: the embedding ``X_c`` times ``components``, which is ``U_k S_k``; each
        column signed by :func:`fix_signs`.
    variances
        ``(k,)``: the variance of each score, ``S_j^2 / n``.
    """

    mean: NDArray[np.float64]
    components: NDArray[np.float64]
    scores: NDArray[np.float64]
    variances: NDArray[np.float64]


def pca(X: ArrayLike, k: int = 2, svd: ThinSVD | None = None) -> PCA:
    """Project ``X`` on its ``k`` directions of largest variance.

    Parameters
    ----------
    X
        Data ``(n, p)``, ``n >= 2``.
    k
        Number of components, ``1 ..`` the rank of the centred data.
    svd
        :func:`thin_svd` of ``X``, if already computed.

    Returns
    -------
    PCA

    Raises
    ------
    TypeError, ValueError
        For bad data or a ``k`` above the rank.

    Examples
    --------
    >>> result = pca([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]], k=1)
    >>> result.components.ravel().round(6), result.variances
    (array([-1.,  0.]), array([1.]))
    """
    svd = _svd_of(X, svd)
    m = as_int(k, "k", minimum=1)
    if m > len(svd.S):
        raise ValueError(f"k must be at most the rank of the centred data {len(svd.S)}, got {m}")
    n = len(svd.U)
    if not np.isfinite(svd.S[:m] ** 2).all():
        raise ValueError("X is too large: its variances overflow float64; rescale the data")
    return PCA(
        mean=svd.mean,
        components=svd.right(np.eye(len(svd.S), m)),
        scores=svd.U[:, :m] * svd.S[:m],
        variances=svd.S[:m] ** 2 / n,
    )


def _svd_of(X: ArrayLike, svd: object) -> ThinSVD:
    """``svd`` if it is the thin SVD of ``X``, else compute it."""
    if svd is None:
        return thin_svd(X)
    M = _data(X, "X")
    if not isinstance(svd, ThinSVD) or svd.centred.shape != M.shape:
        raise ValueError("svd must be the thin_svd of X")
    return svd


def one_hot(labels: ArrayLike, classes: int) -> NDArray[np.float64]:
    """Return the one-hot matrix ``(n, classes)`` of integer labels in ``0 .. classes - 1``.

    Examples
    --------
    >>> one_hot([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    K = as_int(classes, "classes", minimum=1)
    try:
        y = np.asarray(labels)
    except (TypeError, ValueError) as err:
        raise TypeError(f"labels must be a non-empty 1-D array of integers: {err}") from None
    if y.ndim != 1 or y.size == 0 or y.dtype == bool or y.dtype.kind not in "iu":
        raise TypeError("labels must be a non-empty 1-D array of integers")
    if y.min() < 0 or y.max() >= K:
        raise ValueError(f"labels must lie in 0..{K - 1}")
    out = np.zeros((len(y), K))
    out[np.arange(len(y)), y] = 1.0
    return out


@dataclass(frozen=True)
class CCA:
    """Regularised canonical correlation analysis of ``X`` and ``Y`` (see :func:`cca`).

    Attributes
    ----------
    x_weights, y_weights
        ``(p, k)``, ``(q, k)``: the canonical directions ``a_j``, ``b_j``, scaled so that
        ``a_j^T C_xx a_j = b_j^T C_yy b_j = 1`` (regularised covariances).
    x_scores, y_scores
        ``(n, k)``: the canonical variates ``X_c a_j`` and ``Y_c b_j``.
    correlations
        All canonical correlations, decreasing (``min(rank X_c, q)`` of them).
    x_mean, y_mean
        Column means.
    """

    x_weights: NDArray[np.float64]
    y_weights: NDArray[np.float64]
    x_scores: NDArray[np.float64]
    y_scores: NDArray[np.float64]
    correlations: NDArray[np.float64]
    x_mean: NDArray[np.float64]
    y_mean: NDArray[np.float64]


def _inverse_sqrt(C: NDArray[np.float64]) -> NDArray[np.float64]:
    values, vectors = np.linalg.eigh(C)
    if values.min() <= 0:
        raise ValueError("the regularised covariance of Y is singular: use reg_y > 0")
    result: NDArray[np.float64] = (vectors / np.sqrt(values)) @ vectors.T
    return result


def cca(
    X: ArrayLike,
    Y: ArrayLike,
    k: int = 2,
    *,
    reg: float = 1e-3,
    reg_y: float = 1e-3,
    svd: ThinSVD | None = None,
) -> CCA:
    """Regularised CCA: directions ``a``, ``b`` maximising the correlation of ``X a`` and ``Y b``.

    The regularised correlation of two directions is
    ``a^T C_xy b / sqrt(a^T C_xx a * b^T C_yy b)`` (:func:`correlation`), with the
    covariances of the module's docstring. The ``j``-th pair maximises it among the
    directions uncorrelated (in ``C_xx`` and ``C_yy``) with the first ``j - 1`` pairs.

    Parameters
    ----------
    X, Y
        Data ``(n, p)`` and ``(n, q)`` with the same rows.
    k
        Number of pairs, ``1 .. min(rank X_c, q)``.
    reg, reg_y
        Ridge terms ``r_x >= 0`` and ``r_y > 0`` (``Y_c`` of one-hot labels is singular).
        With ``reg = 0`` and more features than samples every correlation is 1.
    svd
        :func:`thin_svd` of ``X``, if already computed.

    Returns
    -------
    CCA

    Raises
    ------
    TypeError, ValueError
        For bad data, mismatched rows, or out-of-range settings.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> Y = np.c_[X[:, 0] + 0.1 * rng.normal(size=50), rng.normal(size=50)]
    >>> cca(X, Y, k=1, reg=0, reg_y=1e-12).correlations.round(3)
    array([0.997, 0.172])
    """
    Mx, My = _data(X, "X"), _data(Y, "Y")
    if len(Mx) != len(My):
        raise ValueError(f"X and Y must have the same number of rows, got {len(Mx)} and {len(My)}")
    rx = as_positive_float(reg, "reg", allow_zero=True)
    ry = as_positive_float(reg_y, "reg_y")
    n = len(Mx)
    svd = _svd_of(Mx, svd)
    y_mean = My.mean(axis=0)
    Yc = My - y_mean
    Cyy = Yc.T @ Yc / n + ry * np.eye(Yc.shape[1])
    if not (np.isfinite(Cyy).all() and np.isfinite(svd.S**2).all()):
        raise ValueError("X or Y is too large: its covariance overflows float64; rescale the data")
    Ryy = _inverse_sqrt(Cyy)
    # C_xx^{-1/2} C_xy C_yy^{-1/2} = V diag(s / sqrt(n (s^2/n + r_x))) U^T Y_c C_yy^{-1/2} / sqrt(n)
    scale = 1.0 / np.sqrt(svd.S**2 / n + rx)
    small = (svd.S * scale)[:, None] * (svd.U.T @ Yc) @ Ryy / n
    A, rho, Bt = np.linalg.svd(small, full_matrices=False)
    m = as_int(k, "k", minimum=1)
    if m > len(rho):
        raise ValueError(f"k must be at most {len(rho)} (the number of canonical pairs), got {m}")
    a = svd.right(scale[:, None] * A[:, :m])
    b = Ryy @ Bt.T[:, :m]
    flip = np.where(np.isclose(fix_signs(a), a).all(axis=0), 1.0, -1.0)
    a, b = a * flip, b * flip
    return CCA(
        x_weights=a,
        y_weights=b,
        x_scores=svd.centred @ a,
        y_scores=Yc @ b,
        correlations=rho,
        x_mean=svd.mean,
        y_mean=y_mean,
    )


def correlation(
    X: ArrayLike,
    Y: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    *,
    reg: float = 1e-3,
    reg_y: float = 1e-3,
) -> float:
    """Return the regularised correlation ``a^T C_xy b / sqrt(a^T C_xx a * b^T C_yy b)``.

    With ``reg = reg_y = 0`` this is the sample correlation of ``X a`` and ``Y b``.

    Examples
    --------
    >>> X, Y = [[0.0], [1.0], [2.0]], [[0.0], [2.0], [4.0]]
    >>> round(correlation(X, Y, [1.0], [1.0], reg=0, reg_y=0), 12)
    1.0
    """
    Mx, My = _data(X, "X"), _data(Y, "Y")
    if len(Mx) != len(My):
        raise ValueError("X and Y must have the same number of rows")
    va = as_vector(np.ravel(a) if isinstance(a, np.ndarray) else a, "a", size=Mx.shape[1])
    vb = as_vector(np.ravel(b) if isinstance(b, np.ndarray) else b, "b", size=My.shape[1])
    rx = as_positive_float(reg, "reg", allow_zero=True)
    ry = as_positive_float(reg_y, "reg_y", allow_zero=True)
    n = len(Mx)
    u = (Mx - Mx.mean(axis=0)) @ va
    v = (My - My.mean(axis=0)) @ vb
    top = float(u @ v) / n
    bottom = (float(u @ u) / n + rx * float(va @ va)) * (float(v @ v) / n + ry * float(vb @ vb))
    if bottom <= 0:
        raise ValueError(
            "a and b must have non-zero (regularised) variance: got zero, or one that underflows"
        )
    return top / float(np.sqrt(bottom))


@dataclass(frozen=True)
class Ridge:
    """A linear least-squares classifier ``scores = (x - mean) W + offset`` (see :func:`ridge`)."""

    mean: NDArray[np.float64]
    W: NDArray[np.float64]
    offset: NDArray[np.float64]

    def scores(self, X: ArrayLike) -> NDArray[np.float64]:
        """Class scores ``(n, K)`` of the rows of ``X``."""
        out: NDArray[np.float64] = (as_matrix(X, "X") - self.mean) @ self.W + self.offset
        return out

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """Return the class of largest score for each row of ``X``."""
        out: NDArray[np.int64] = self.scores(X).argmax(axis=1).astype(np.int64)
        return out


def ridge(X: ArrayLike, Y: ArrayLike, lam: float = 0.0, svd: ThinSVD | None = None) -> Ridge:
    """Fit ``min ||X_c W - Y_c||^2 + lam ||W||^2`` in closed form (an unpenalised intercept).

    The minimiser is ``W = (X_c^T X_c + lam I)^{-1} X_c^T Y_c``, computed as
    ``V diag(s / (s^2 + lam)) U^T Y_c``; for ``lam = 0`` this is the minimum-norm
    least-squares solution ``X_c^+ Y_c``. The intercept is the mean of ``Y``.

    Parameters
    ----------
    X, Y
        Data ``(n, p)`` and targets ``(n, K)`` (one-hot labels for a classifier).
    lam
        Ridge penalty ``>= 0``.
    svd
        :func:`thin_svd` of ``X``, if already computed (for several penalties).

    Returns
    -------
    Ridge

    Examples
    --------
    >>> fit = ridge([[0.0], [1.0], [2.0]], [[0.0], [2.0], [4.0]])
    >>> fit.W, fit.scores([[3.0]])
    (array([[2.]]), array([[6.]]))
    """
    Mx, My = _data(X, "X"), _data(Y, "Y")
    if len(Mx) != len(My):
        raise ValueError("X and Y must have the same number of rows")
    penalty = as_positive_float(lam, "lam", allow_zero=True)
    decomposition = _svd_of(Mx, svd)
    if not np.isfinite(decomposition.S**2 + penalty).all():
        raise ValueError("X is too large: X^T X overflows float64; rescale the data")
    y_mean = My.mean(axis=0)
    shrink = decomposition.S / (decomposition.S**2 + penalty)
    W = decomposition.right(shrink[:, None] * (decomposition.U.T @ (My - y_mean)))
    if not np.isfinite(W).all():
        raise ValueError(
            "X is too small: the weights overflow float64; rescale the data or use lam > 0"
        )
    return Ridge(mean=decomposition.mean, W=W, offset=y_mean)
