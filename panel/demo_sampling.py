"""Demo: a completed quota sample with invitations, reminders and responses, so the samples,
representativeness and health pages show real figures. Loaded once (keyed by its creator)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from panel.contact_rules import ContactRules
from panel.sampling import DrawRequest, draw_sample, parse_quotas
from panel.services import draw_members, invitation_targets, record_contact
from panel.tables import ContactEvent, Draw

DEMO_CREATOR = "demo"
DEMO_SEED = 2026
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
    now = dt.datetime.now(dt.UTC)
    invited_at = now - dt.timedelta(days=20)
    rng = random.Random(DEMO_SEED)
    older = {d["reference"] for d in result.drawn if d["age_band"] in ("65-74", "75+")}
    targets = await invitation_targets(await draw_members(result.draw_id))
    async with Draw._meta.db.transaction():
        await Draw.update({Draw.created_at: invited_at - dt.timedelta(hours=2)}).where(
            Draw.id == result.draw_id
        )
        responded = 0
        for target in targets:
            if target.channel is None:
                continue
            channel = target.channel
            subject = "Residents' survey 2026"
            await record_contact(
                target.member_id, kind="invitation", channel=channel, subject=subject, at=invited_at
            )
            chance = 0.55 if target.reference in older else 0.35
            if rng.random() < chance:
                at = invited_at + dt.timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 20))
                await record_contact(
                    target.member_id, kind="response", channel=channel, subject=subject, at=at
                )
                responded += 1
                continue
            await record_contact(
                target.member_id,
                kind="reminder",
                channel=channel,
                subject=subject,
                at=invited_at + dt.timedelta(days=7),
            )
            if rng.random() < 0.2:
                at = invited_at + dt.timedelta(days=rng.randint(7, 13), hours=3)
                await record_contact(
                    target.member_id, kind="response", channel=channel, subject=subject, at=at
                )
                responded += 1
            else:
                await record_contact(
                    target.member_id,
                    kind="reminder",
                    channel=channel,
                    subject=subject,
                    at=invited_at + dt.timedelta(days=14),
                )
    events = await ContactEvent.count()
    out(
        f"Panel: demo sample drawn (draw {result.draw_id}, {len(result.drawn)} members, seed "
        f"{DEMO_SEED}); {responded} responded; {events} contacts recorded."
    )
