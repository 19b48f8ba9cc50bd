"""Schedules read back in words on the web team's pages, whatever cron shape was typed."""

from __future__ import annotations

import pytest

from accessibility.schedules import describe_schedule


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 6 * * 1", "Every Monday at 06:00"),
        ("0 6 * * mon", "Every Monday at 06:00"),
        ("30 2 * * *", "Every day at 02:30"),
        ("0 9 * * 1,3", "Every Monday and Wednesday at 09:00"),
        ("0 7 * * 1-5", "Every weekday (Monday to Friday) at 07:00"),
        ("0 8 * * 0", "Every Sunday at 08:00"),
        ("0 8 * * 7", "Every Sunday at 08:00"),
        ("0 8 * * 6,0", "Every Saturday and Sunday at 08:00"),
        ("0 6 1 * *", "On the 1st of every month at 06:00"),
        ("15 23 22 * *", "On the 22nd of every month at 23:15"),
        ("0 6 11 * *", "On the 11th of every month at 06:00"),
        ("*/15 * * * *", "Every 15 minutes"),
        ("", "Not scheduled"),
        ("   ", "Not scheduled"),
        ("not cron", "not cron"),
    ],
)
def test_schedule_in_words(cron: str, words: str) -> None:
    assert describe_schedule(cron) == words


def test_other_shapes_are_worded_not_echoed() -> None:
    """Shapes we do not phrase ourselves still come back in words, never as cron."""
    words = describe_schedule("0 6 1 1 *")
    assert "06:00" in words and "0 6 1 1 *" not in words
