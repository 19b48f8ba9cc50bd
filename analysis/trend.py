"""Change between survey waves, with significance.

Waves are treated as independent samples (each wave its own set of strata),
so the variance of a change is the sum of the two waves' variances and the
degrees of freedom add up — exactly what R gives for the two waves stacked
into one design with wave-specific strata.  When the same panel members answer
both waves their answers are positively correlated and this test is
conservative (it will miss some real changes, never invent them).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from analysis.design import DegreesOfFreedom, Design
from analysis.errors import AnalysisError
from analysis.intervals import t_quantile


def trend(
    designs_by_wave: Mapping[Hashable, Design],
    var: str,
    level: Hashable,
    *,
    ci: str = "logit",
    confidence: float = 0.95,
    df: DegreesOfFreedom = "design",
) -> pd.DataFrame:
    """Proportion answering ``level`` in each wave and its change since the previous wave.

    ``designs_by_wave`` maps a wave label to its (weighted) design, in time
    order.  Columns: ``wave``, the usual estimate columns, then ``change``
    (this wave minus the previous, in proportion points), ``change_se``,
    ``change_ci_low``/``change_ci_high``, ``change_df``, ``p_value`` and
    ``significant``; the first wave has no change.

    ``df`` is the same choice as every other interval's.  "design" (default)
    gives each wave's interval its own design degrees of freedom (for a whole
    wave "domain" is the same thing: R's ``svyciprop`` default) and the change
    the sum of the two waves' — the ``degf`` of the two waves stacked into one
    design, as R's ``confint(svycontrast(...), df = degf(stacked))``.  A number
    is used for every interval and test; ``math.inf`` gives normal quantiles,
    as R's ``confint`` of a contrast does by default.
    """
    if not isinstance(designs_by_wave, Mapping) or len(designs_by_wave) < 2:
        raise AnalysisError("trend() needs a dict of at least two waves {label: Design}")
    rows = []
    for wave, design in designs_by_wave.items():
        if not isinstance(design, Design):
            raise AnalysisError(f"wave {wave!r} is a {type(design).__name__}, not a Design")
        est = design.proportion(var, level, ci=ci, confidence=confidence, df=df)
        est.insert(0, "wave", [wave])
        rows.append(est)
    out = pd.concat(rows, ignore_index=True)
    change = out["estimate"].diff()
    change_se = np.sqrt(out["se"].pow(2) + out["se"].pow(2).shift(1))
    if isinstance(df, str):
        change_df = out["df"] + out["df"].shift(1)
    else:
        change_df = pd.Series(float(df), index=out.index).where(out.index > 0)
    t = np.array([np.nan if np.isnan(d) else t_quantile(confidence, d) for d in change_df])
    out["change"] = change
    out["change_se"] = change_se
    out["change_ci_low"] = change - t * change_se
    out["change_ci_high"] = change + t * change_se
    out["change_df"] = change_df
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(change / change_se), change_df)
    out["p_value"] = p
    sig = pd.Series(p < 1 - confidence, dtype="boolean")
    sig[np.isnan(p)] = pd.NA
    out["significant"] = sig
    out.attrs.update(variable=var, level_of=str(level), statistic="trend", ci=ci, df=df)
    return out
