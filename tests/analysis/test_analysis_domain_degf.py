"""`Design.domain_degf`: a domain's degrees of freedom as R's degf(subset(design, ...)).

R's own numbers for it are checked in tests/equality/test_equality_r.py (domain_df).
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import AnalysisError, Design


def test_domain_degf_counts_the_domains_psus_and_strata(designs: dict[str, Design]) -> None:
    clus = designs["clus1"]
    everyone = np.ones(len(clus.data), dtype=bool)
    assert clus.domain_degf(everyone) == clus.degf
    one_cluster = (clus.data["dnum"] == clus.data["dnum"].iloc[0]).to_numpy()
    assert clus.domain_degf(one_cluster) == 0
    two = clus.data["dnum"].isin(clus.data["dnum"].unique()[:3]).to_numpy()
    assert clus.domain_degf(two) == 2
    strat = designs["strat"]
    elementary = (strat.data["stype"] == "E").to_numpy()
    assert strat.domain_degf(elementary) == int(elementary.sum()) - 1
    assert strat.domain_degf(np.zeros(len(strat.data), dtype=bool)) == 0


def test_domain_degf_rejects_a_mask_of_the_wrong_length(designs: dict[str, Design]) -> None:
    with pytest.raises(AnalysisError, match="mask has 3 values"):
        designs["strat"].domain_degf([True, False, True])


@pytest.mark.parametrize("name", ["strat", "clus1", "rclus1"])
@pytest.mark.parametrize("limit", [None, 0])
def test_every_groups_degf_at_once_equals_one_domain_at_a_time(
    designs: dict[str, Design], name: str, limit: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-pass count (presence table, or sorting when the table would be too big)."""
    import analysis.design

    if limit is not None:
        monkeypatch.setattr(analysis.design, "PRESENCE_TABLE_LIMIT", limit)
    d = designs[name]
    for by in ("stype", "sch.wide", "comp.imp"):
        codes, labels = d.groups(by)
        codes = codes.copy()
        codes[: len(codes) // 7] = -1  # some rows in no group (not answered)
        got = d.interval_df("domain", codes, len(labels))
        want = [d.domain_degf(codes == j) for j in range(len(labels))]
        assert got.tolist() == want
