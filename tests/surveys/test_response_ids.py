"""Response and respondent IDs: random, from the unambiguous alphabet, every symbol in use."""

from __future__ import annotations

import re
from collections import Counter

from surveys.services.responses import _ID_ALPHABET, new_public_id, new_respondent_id


def test_ids_have_the_documented_shape_and_do_not_repeat() -> None:
    public = [new_public_id() for _ in range(2000)]
    respondents = [new_respondent_id() for _ in range(2000)]
    assert all(re.fullmatch(rf"RS-[{_ID_ALPHABET}]{{12}}", i) for i in public)
    assert all(re.fullmatch(rf"R-[{_ID_ALPHABET}]{{10}}", i) for i in respondents)
    assert len(set(public)) == len(public) and len(set(respondents)) == len(respondents)


def test_every_position_uses_the_whole_alphabet_roughly_evenly() -> None:
    """A drawing bug (a fixed or biased position) would leave symbols unused or crowded."""
    ids = [new_public_id()[3:] for _ in range(6000)]
    for position in range(12):
        counts = Counter(i[position] for i in ids)
        assert set(counts) == set(_ID_ALPHABET), position
        # 200 expected per symbol; a fair draw stays well inside 100..320
        assert min(counts.values()) > 100 and max(counts.values()) < 320, (position, counts)
