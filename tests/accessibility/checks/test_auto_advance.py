"""How long a region has been moving on, from the changes the probe saw (page ms)."""

from __future__ import annotations

import pytest

from accessibility.checks.auto_advance import moving_seconds


def test_a_carousel_started_one_turn_before_its_first() -> None:
    # Turns every 4 s, first seen at 5 s (the page took 1 s to start it): moving 1 s → 21 s.
    assert moving_seconds([5000, 9000, 13000, 17000, 21000]) == pytest.approx(20.0)


def test_a_ticker_that_stops_within_five_seconds() -> None:
    # Three headlines a second apart, stopped: under 5 s, however late it began.
    assert moving_seconds([2000, 3000, 4800]) == pytest.approx(4.2)
    assert moving_seconds([12000, 13000, 14000]) == pytest.approx(3.0)


def test_continuous_movement_counts_from_its_first_change() -> None:
    frames = [1000 + 800 * i for i in range(26)]
    assert moving_seconds(frames) == pytest.approx(20.8)
    assert moving_seconds([]) == 0.0
    assert moving_seconds([3000]) == pytest.approx(0.0)
