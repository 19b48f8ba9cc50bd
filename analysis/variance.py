"""Taylor-linearisation variances for a stratified, clustered (first stage) design.

This is the arithmetic of R's ``survey:::svyrecvar`` / ``onestrat`` (ultimate
cluster approximation), written so that it never builds an n-by-PSU matrix:
influence values arrive as an (n × k) numpy array or scipy sparse matrix and
everything else is a sparse product or a small dense matrix.  A million
respondents therefore cost a few sparse passes, not gigabytes.

For a raked design R residualises the influence values against the raking
margins before the PSU step (10 sweeps of ``x - w * ave(x / w, margin)`` over
the margins, see ``svyrecvar``).  Those sweeps only ever subtract
``w * (M @ B)`` for the margin indicator matrix ``M``, so the class below runs
them on the small coefficient matrix ``B`` and folds ``M`` in algebraically.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from analysis.errors import DesignError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: R's ``svyrecvar`` runs exactly this many sweeps over the raking margins.
RAKING_RESIDUAL_SWEEPS = 10


def indicator(codes: IntArray, ncols: int) -> sp.csr_matrix:
    """Sparse (len(codes) × ncols) 0/1 matrix with a one in column ``codes[i]`` of row i."""
    n = len(codes)
    return sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, ncols), dtype=np.float64)


@dataclass(frozen=True)
class Calibration:
    """Raking margins as R's ``rake`` leaves them in ``design$postStrata``.

    ``codes[j]`` holds each row's category number within margin ``j``; the
    weights used in the residual sweeps are the design's final weights (R uses
    the weights after the last post-stratification of each margin, which equal
    the final weights once raking has converged).
    """

    names: tuple[str, ...]
    codes: tuple[IntArray, ...]
    sizes: tuple[int, ...]


class Linearisation:
    """Everything the variance needs that does not depend on the estimate.

    Built once per design (and once more after raking); `covariance` is then
    cheap for any number of estimates.
    """

    def __init__(
        self,
        weights: FloatArray,
        stratum: IntArray,
        psu: IntArray,
        n_psu: IntArray,
        fraction: FloatArray,
        calibration: Calibration | None = None,
        stratum_labels: list[str] | None = None,
    ) -> None:
        """Set up the PSU structure.

        ``stratum`` (per row) numbers strata 0..H-1, ``psu`` (per row) numbers
        PSUs 0..P-1 globally, ``n_psu[h]`` is the number of PSUs in stratum h
        and ``fraction[h]`` its first-stage sampling fraction (0 without fpc).
        """
        self.n = len(weights)
        self.weights = weights
        n_strata = len(n_psu)
        n_total_psu = int(psu.max()) + 1 if len(psu) else 0
        psu_stratum = np.zeros(n_total_psu, dtype=np.int64)
        psu_stratum[psu] = stratum
        lonely = (n_psu == 1) & (fraction < 1 - 1e-7)
        if lonely.any():
            h = int(np.flatnonzero(lonely)[0])
            name = stratum_labels[h] if stratum_labels else str(h)
            raise DesignError(
                f"stratum {name!r} has only one PSU, so its variance cannot be estimated; "
                "merge it with a similar stratum (R's survey.lonely.psu='fail')"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            scale_h = np.where(n_psu > 1, (1 - fraction) * n_psu / (n_psu - 1), 0.0)
        scale_h = np.where(fraction >= 1 - 1e-7, 0.0, scale_h)
        self.scale_psu = scale_h[psu_stratum]
        self.psu_stratum = psu_stratum
        self.centre_h = scale_h / n_psu
        self.identity_psu = n_total_psu == self.n and bool(np.all(psu == np.arange(self.n)))
        # P^T: sums rows into PSU totals (None when each row is its own PSU)
        self.psu_sum: sp.csr_matrix | None = (
            None if self.identity_psu else indicator(psu, n_total_psu).T.tocsr()
        )
        self.stratum_sum = indicator(psu_stratum, n_strata).T.tocsr()  # H × P
        self.calibration = calibration
        if calibration is not None:
            blocks = [
                indicator(c, s) for c, s in zip(calibration.codes, calibration.sizes, strict=True)
            ]
            m = sp.hstack(blocks, format="csr")
            self._margin = m
            self._margin_t = m.T.tocsr()
            self._counts = np.asarray(m.sum(axis=0)).ravel()
            self._gram = (self._margin_t @ m).toarray()
            bounds = np.cumsum((0, *calibration.sizes))
            self._slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
            q = m.multiply(weights[:, None]).tocsr()
            q = q if self.psu_sum is None else (self.psu_sum @ q).tocsr()
            sq = q.multiply(self.scale_psu[:, None]).tocsr()
            self._q = q
            self._sq = sq
            self._qsq = (q.T @ sq).toarray()
            self._hq = np.asarray((self.stratum_sum @ q).todense())

    def _psu_totals(self, z: FloatArray | sp.csr_matrix) -> FloatArray | sp.csr_matrix:
        return z if self.psu_sum is None else self.psu_sum @ z

    def _sweep(self, a: FloatArray) -> FloatArray:
        """R's residual sweeps, run on A = M'(z / w) instead of on z itself."""
        b = np.zeros_like(a)
        for _ in range(RAKING_RESIDUAL_SWEEPS):
            for sl in self._slices:
                resid = a[sl] - self._gram[sl] @ b
                b[sl] += resid / self._counts[sl, None]
        return b

    def covariance(self, z: FloatArray | sp.csr_matrix) -> FloatArray:
        """Design covariance (k × k) of the totals of the influence columns of ``z``."""
        if not sp.issparse(z):
            z = np.asarray(z, dtype=np.float64)
            if z.ndim == 1:
                z = z[:, None]
        zs = self._psu_totals(z)
        if sp.issparse(zs):
            zs = sp.csr_matrix(zs)
            tst = np.asarray((zs.T @ zs.multiply(self.scale_psu[:, None])).todense())
            tot = np.asarray((self.stratum_sum @ zs).todense())
        else:
            zs = np.asarray(zs)
            tst = zs.T @ (zs * self.scale_psu[:, None])
            tot = np.asarray(self.stratum_sum @ zs)
        a = cross = None
        if self.calibration is not None:
            inv_w = 1.0 / self.weights
            if sp.issparse(z):
                u = sp.csr_matrix(z).multiply(inv_w[:, None]).tocsr()
                a = np.asarray((self._margin_t @ u).todense())
            else:
                a = np.asarray(self._margin_t @ (z * inv_w[:, None]))
            c = zs.T @ self._sq
            cross = np.asarray(c.todense()) if sp.issparse(c) else np.asarray(c)
        return self.covariance_from_parts(tst, tot, a, cross)

    def covariance_from_parts(
        self,
        tst: FloatArray,
        tot: FloatArray,
        a: FloatArray | None = None,
        cross: FloatArray | None = None,
    ) -> FloatArray:
        """Covariance from sums a caller computed itself (faster for structured z).

        With T the PSU totals of z and S the per-PSU variance scale:
        ``tst = T' S T`` (k × k), ``tot`` = stratum totals of T (H × k); for a
        raked design also ``a = M'(z / w)`` (m × k) and ``cross = T' S Q``
        (k × m) with Q the PSU totals of ``w * M``.
        """
        if self.calibration is not None:
            if a is None or cross is None:
                raise ValueError("a raked design needs the calibration parts a and cross")
            b = self._sweep(a)
            cb = cross @ b
            tst = tst - cb - cb.T + b.T @ self._qsq @ b
            tot = tot - self._hq @ b
        cov = tst - tot.T @ (tot * self.centre_h[:, None])
        return np.asarray((cov + cov.T) / 2)

    def variances(self, z: FloatArray | sp.csr_matrix) -> FloatArray:
        """Diagonal of `covariance`, clipped at zero against rounding."""
        return np.clip(np.diag(self.covariance(z)), 0.0, None)
