"""When a site's cron schedule next fires (``runs.enqueue_due_runs`` queues the runs due), and
how to say it in words on the web team's pages ("Every Monday at 06:00"): staff set schedules
as cron expressions, but nobody should have to read one back.
"""

from __future__ import annotations

import datetime as dt

from cron_descriptor import ExpressionDescriptor, Options
from croniter import croniter

from accessibility.storage import now

__all__ = ["describe_schedule", "next_run"]


def next_run(schedule: str, after: dt.datetime | None = None) -> dt.datetime | None:
    """When a cron schedule next fires (UTC), or None for no schedule."""
    if not schedule.strip():
        return None
    base = after or now()
    nxt = croniter(schedule.strip(), base).get_next(dt.datetime)
    return nxt if nxt.tzinfo else nxt.replace(tzinfo=dt.UTC)


DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_DAY_NAMES = {d[:3].lower(): i for i, d in enumerate(DAYS)}


def _day(token: str) -> int | None:
    token = token.strip().lower()
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7  # cron allows 7 for Sunday
    return _DAY_NAMES.get(token[:3]) if len(token) >= 3 else None


def _days(field: str) -> list[int] | None:
    """Days of the week named by a cron day field ("1", "1,3", "1-5", "mon-fri"), or None."""
    days: list[int] = []
    for part in field.split(","):
        if "-" in part:
            start, _, end = part.partition("-")
            first, last = _day(start), _day(end)
            if first is None or last is None or (last or 7) < first:
                return None
            days += [d % 7 for d in range(first, (last or 7) + 1)]
        else:
            day = _day(part)
            if day is None:
                return None
            days.append(day)
    return sorted(set(days), key=lambda d: (d + 6) % 7)  # Monday first


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe_schedule(schedule: str) -> str:
    """A cron schedule in words: "Every Monday at 06:00", "Every day at 02:30", "On the 1st of
    every month at 06:00", "Every weekday (Monday to Friday) at 07:00"; other shapes in
    cron-descriptor's words ("Every 15 minutes"). "Not scheduled" for none; an expression
    that is not valid cron comes back as it is, so nothing is hidden. Times are UTC, as runs are.
    """
    text = schedule.strip()
    if not text:
        return "Not scheduled"
    if not croniter.is_valid(text):
        return text
    fields = text.split()
    if len(fields) == 5:
        minute, hour, dom, month, dow = fields
        if minute.isdigit() and hour.isdigit() and month == "*":
            at = f"at {int(hour):02d}:{int(minute):02d}"
            if dom == "*" and dow == "*":
                return f"Every day {at}"
            days = _days(dow) if dom == "*" else None
            if days == [1, 2, 3, 4, 5]:
                return f"Every weekday (Monday to Friday) {at}"
            if days and len(days) == 7:
                return f"Every day {at}"
            if days:
                return f"Every {_and([DAYS[d] for d in days])} {at}"
            if dow == "*" and dom.isdigit():
                return f"On the {_ordinal(int(dom))} of every month {at}"
    options = Options()
    options.use_24hour_time_format = True
    options.verbose = False
    try:
        return ExpressionDescriptor(text, options).get_description()
    except Exception:  # the library's own errors for shapes it cannot put in words
        return text
