"""Model-based figures of `ordinal` and `logit` beside the design-based ones, against R.

Numbers come from results/make_model_results.R: ``MASS::polr`` with the
design's weights rescaled to mean 1 (same point estimates as ``svyolr``; its
``vcov`` is `OrdinalResult.naive_cov_params`), ``confint(svyolr)`` (normal
quantiles) and ``summary(glm(family = quasibinomial))`` with the design's
weights (Pearson dispersion, standard errors, p-values).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from analysis import Design
from tests.analysis.r_reference import EST_RTOL, RESULTS, SE_RTOL, vec

DESIGNS = ["strat", "clus1", "rclus1"]
ORDINAL = {"ordinal": "rating ~ ell + meals", "ordinal_factor": "rating ~ meals + stype"}
#: formulaic's names for R's treatment-coded terms
R_TERM = {"stypeH": "stype[T.H]", "stypeM": "stype[T.M]", "(Intercept)": "Intercept"}


@pytest.fixture(scope="module")
def r_models() -> dict[str, Any]:
    return json.loads((RESULTS / "model_results.json").read_text())


def test_versions_recorded(r_models: dict[str, Any]) -> None:
    assert set(r_models["versions"]) == {"R", "survey", "MASS"}


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("model", list(ORDINAL))
def test_ordinal_model_based_se_matches_polr(
    designs: dict[str, Design], r_models: dict[str, Any], name: str, model: str
) -> None:
    want = r_models[name][model]
    got = designs[name].ordinal(ORDINAL[model])
    assert list(got.params.index) == [R_TERM.get(t, t) for t in want["terms"]]
    np.testing.assert_allclose(got.params, vec(want["params"]), rtol=EST_RTOL)
    # polr (weighted) and svyolr maximise the same weighted likelihood
    np.testing.assert_allclose(got.params, vec(want["polr_params"]), rtol=EST_RTOL)
    np.testing.assert_allclose(got.model_bse, vec(want["model_se"]), rtol=SE_RTOL)
    np.testing.assert_allclose(
        np.sqrt(np.diag(got.naive_cov_params.to_numpy())), got.model_bse, rtol=1e-12
    )
    assert list(got.naive_cov_params.index) == list(got.params.index)
    # the design-based SEs are still svyolr's, and not the model-based ones
    np.testing.assert_allclose(got.bse, vec(want["bse"]), rtol=SE_RTOL)
    assert not np.allclose(got.model_bse, got.bse, rtol=1e-2)


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("model", list(ORDINAL))
def test_ordinal_normal_intervals_match_confint_svyolr(
    designs: dict[str, Design], r_models: dict[str, Any], name: str, model: str
) -> None:
    want = r_models[name][model]
    got = designs[name].ordinal(ORDINAL[model])
    ci = got.conf_int(df=math.inf)
    np.testing.assert_allclose(ci["lower"], vec(want["ci_low"]), rtol=SE_RTOL)
    np.testing.assert_allclose(ci["upper"], vec(want["ci_high"]), rtol=SE_RTOL)
    ci90 = got.conf_int(alpha=0.10, df=math.inf)
    np.testing.assert_allclose(ci90["lower"], vec(want["ci90_low"]), rtol=SE_RTOL)
    np.testing.assert_allclose(ci90["upper"], vec(want["ci90_high"]), rtol=SE_RTOL)
    # the default is t on df_resid, as pvalues: a little wider than normal quantiles
    default = got.conf_int()
    assert np.all(default["lower"] < ci["lower"]) and np.all(default["upper"] > ci["upper"])


@pytest.mark.parametrize("name", DESIGNS)
def test_logit_glm_dispersion_and_se(
    designs: dict[str, Design], r_models: dict[str, Any], name: str
) -> None:
    want = r_models[name]["glm"]
    d = designs[name]
    got = d.logit("sw ~ ell + meals + stype")
    assert list(got.params.index) == [R_TERM.get(t, t) for t in want["terms"]]
    np.testing.assert_allclose(got.params, vec(want["params"]), rtol=EST_RTOL)
    np.testing.assert_allclose(got.glm_dispersion, want["dispersion"], rtol=SE_RTOL)
    # glm with the raw weights: the dispersion scales with them, the SEs do not
    np.testing.assert_allclose(
        got.glm_dispersion * d.weights.mean(), want["dispersion_raw_weights"], rtol=SE_RTOL
    )
    np.testing.assert_allclose(got.glm_bse, vec(want["se"]), rtol=SE_RTOL)
    assert got.glm_df_resid == want["df_residual"]
    np.testing.assert_allclose(got.glm_pvalues, vec(want["pvalues"]), rtol=SE_RTOL)
    # glm's residual-df dispersion is not svyglm's design-weighted variance
    assert not np.isclose(got.glm_dispersion, got.dispersion, rtol=1e-3)
