"""Demo: a quota sample drawn for the autumn wave of the residents' survey. Loaded once (keyed
by its creator).

Its invitations, reminders and responses are recorded by the surveys demo
(`surveys/demo_fieldwork.py`), which invites this draw to the autumn wave and records each
contact through `panel.services.record_contact` from the same rows the fieldwork page reads,
so panel health and the fieldwork page tell the same story (the same dates and counts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from panel.contact_rules import ContactRules
from panel.sampling import DrawRequest, draw_sample, parse_quotas
from panel.tables import ContactEvent, Draw

DEMO_CREATOR = "demo"
DEMO_SEED = 2026
#: When the demo sample was drawn: the morning the surveys demo's autumn wave was invited
#: (`surveys.demo.WAVES[2]`, 14 September 2026 09:00, invitations sent at 07:00).
DEMO_DRAWN_AT = dt.datetime(2026, 9, 14, 5, tzinfo=dt.UTC)
DEMO_QUOTAS = """dimension,group,min,max
age_band,16-24,25,40
age_band,75+,25,45
sex,female,140,170
sex,male,130,160
imd_quintile,1,50,80
"""


async def load_demo_sample(out: Callable[[str], None]) -> None:
    existing = await Draw.select(Draw.id).where(Draw.created_by == DEMO_CREATOR).first()
    if existing:
        out(f"Panel: demo sample already drawn (draw {existing['id']}).")
        return
    result = await draw_sample(
        DrawRequest(
            size=300,
            rules=ContactRules(0, 0),
            method="quota",
            quotas=parse_quotas(DEMO_QUOTAS, "demo quotas"),
            seed=DEMO_SEED,
            created_by=DEMO_CREATOR,
        )
    )
    async with Draw._meta.db.transaction():
        await Draw.update({Draw.created_at: DEMO_DRAWN_AT}).where(Draw.id == result.draw_id)
    events = await ContactEvent.count()
    out(
        f"Panel: demo sample drawn (draw {result.draw_id}, {len(result.drawn)} members, seed "
        f"{DEMO_SEED}); {events} contacts recorded (the surveys demo invites it)."
    )
