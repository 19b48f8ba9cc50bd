"""Demo surveys: the three bank surveys with a few thousand synthetic panel responses.

Patterns a research officer should be able to find (and weighting should matter for):
satisfaction is lower in more deprived wards and a little higher among older residents; the
autumn wave of resident satisfaction is slightly less satisfied than the spring wave; home
internet is much less common among people over 75 and disabled people, and digital confidence
follows. The two waves of `resident-satisfaction` are versions 1 (spring 2026) and 2 (autumn
2026) of the same survey, so `analysis.load("resident-satisfaction", version=...)` gives each.

Deterministic (seeded) and idempotent: a survey that already has responses gets none added.
Answers are made by walking the survey's own routing and checked with `validate_answers`, so
they are exactly what a resident could have sent.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable
from typing import Any

from panel import services as panel_services
from service.security import hash_token, keyed_hash
from service.settings import get_settings
from surveys.bank import load_bank
from surveys.definitions.model import Question
from surveys.definitions.model import Survey as SurveyModel
from surveys.demo_fieldwork import load_demo_fieldwork
from surveys.questions import validate_answers
from surveys.services import definitions_store, links
from surveys.services.responses import new_public_id
from surveys.tables import Survey, SurveyLink, SurveyResponse

SEED = 20261122
DEMO_SURVEYS = ("resident-satisfaction", "digital-inclusion", "customer-satisfaction")
WAVES = {1: ("spring 2026", dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)),
         2: ("autumn 2026", dt.datetime(2026, 9, 14, 9, tzinfo=dt.UTC))}  # fmt: skip
AGE_ORDER = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


class _Generator:
    """Answers for one respondent: a latent attitude drives ordered scales; demographics drive
    the digital-inclusion questions."""

    def __init__(self, rng: random.Random, member: dict[str, Any], shift: float) -> None:
        self.rng = rng
        self.member = member
        age_i = AGE_ORDER.index(member["age_band"]) if member["age_band"] in AGE_ORDER else 3
        imd = member["imd_quintile"] or 3
        self.old = member["age_band"] == "75+"
        self.disabled = member["disability"] in ("limited_a_lot", "limited_a_little")
        self.attitude = 0.22 * (imd - 3) + 0.08 * (age_i - 3) + shift + rng.gauss(0, 1)
        self.digital = (
            1.4
            - (1.6 if self.old else 0.0)
            - (0.6 if member["age_band"] == "65-74" else 0.0)
            - (0.8 if self.disabled else 0.0)
            + 0.15 * (imd - 3)
            + rng.gauss(0, 0.6)
        )

    def ordered(self, codes: list[str], score: float) -> str:
        """A code from best (first) to worst (last), by a noisy score."""
        position = _sigmoid(-(score + self.rng.gauss(0, 0.9))) * len(codes)
        return codes[min(len(codes) - 1, max(0, int(position)))]

    def answer(self, question: Question) -> Any:
        rng = self.rng
        substantive = [o.code for o in question.options if not o.special]
        special = [o.code for o in question.options if o.special]
        if question.id == "home_internet":
            has = rng.random() < _sigmoid(self.digital + 1.2)
            return "yes" if has else "no"
        kind = question.type
        if special and kind not in ("multiple_choice",) and rng.random() < 0.04:
            return special[0]
        if kind in ("satisfaction_scale", "agreement_scale"):
            return self.ordered(substantive, self.attitude + 0.4)
        if kind == "single_choice":
            ordered = bool(question.spec.get("ordered"))
            if ordered:
                score = self.digital if "confiden" in question.id else self.attitude
                return self.ordered(substantive, score)
            return rng.choice(substantive)
        if kind == "rating":
            return max(0, min(10, round(6.5 + 1.8 * self.attitude + rng.gauss(0, 1.2))))
        if kind == "multiple_choice":
            exclusive = {o.code for o in question.options if o.exclusive or o.special}
            pool = [c for c in substantive if c not in exclusive]
            if not pool:
                return [substantive[0]]
            k = max(1, min(len(pool), 1 + int(abs(rng.gauss(0, 1.2)))))
            return sorted(rng.sample(pool, k), key=pool.index)
        if kind == "grid":
            codes = [o.code for o in question.options if not o.special]
            return {item.code: self.ordered(codes, self.digital) for item in question.items}
        if kind == "consent":
            return rng.random() < 0.4
        if kind == "number":
            low = float(question.spec.get("min", 0))
            high = float(question.spec.get("max", low + 10))
            return int(rng.uniform(low, min(high, low + 10)))
        if kind in ("long_text", "short_text"):
            if not question.required and rng.random() < 0.85:
                return None
            return rng.choice(
                [
                    "The staff were helpful.",
                    "It took too long to get an answer.",
                    "Easy to find what I needed online.",
                    "I had to phone twice.",
                ]
            )
        return None  # postcode, email, phone, date: left blank when optional


def _answers(survey: SurveyModel, gen: _Generator, stop_after: int | None) -> dict[str, Any]:
    """Walk the survey's pages in order, answering what routing shows."""
    answers: dict[str, Any] = {}
    seen = 0
    page = survey.first_page(answers)
    while page is not None:
        for question in survey.visible_questions(page, answers):
            value = gen.answer(question)
            if value is not None and question.handler.is_valid_answer(question, value):
                answers[question.id] = value
        seen += 1
        if stop_after is not None and seen >= stop_after:
            break
        page = survey.next_page(page.id, answers)
    return survey.prune(answers)


async def _members() -> list[dict[str, Any]]:
    """Active members' pseudonymous profiles in id order, through panel's services (issue 14)."""
    ids = sorted(await panel_services.active_member_ids())
    found = await panel_services.profiles(ids)
    return [{"id": i, **found[i]} for i in ids if i in found]


def _mode(rng: random.Random, member: dict[str, Any]) -> str:
    if member["age_band"] == "75+":
        return rng.choices(["online", "paper", "phone"], [45, 45, 10])[0]
    return rng.choices(["online", "paper", "phone"], [86, 11, 3])[0]


async def _fill(
    slug: str,
    survey_id: int,
    version: int,
    survey: SurveyModel,
    members: list[dict[str, Any]],
    *,
    rng: random.Random,
    share: float,
    partial_share: float,
    start: dt.datetime,
    shift: float = 0.0,
) -> tuple[int, int]:
    rows: list[SurveyResponse] = []
    complete = partial = 0
    for member in members:
        if rng.random() > share:
            continue
        gen = _Generator(rng, member, shift)
        is_partial = rng.random() < partial_share
        answers = _answers(survey, gen, rng.randint(1, 3) if is_partial else None)
        if not is_partial and validate_answers(survey, answers):
            continue  # never happens with the bank surveys; keep the demo honest if it did
        started = start + dt.timedelta(seconds=rng.uniform(0, 24 * 86400))
        submitted = None if is_partial else started + dt.timedelta(seconds=rng.uniform(90, 1200))
        mode = "online" if is_partial else _mode(rng, member)
        rows.append(
            SurveyResponse(
                public_id=new_public_id(),
                survey=survey_id,
                version=version,
                member=member["id"],
                respondent_id=member["reference"],
                mode=mode,
                status="partial" if is_partial else "complete",
                answers=json.dumps(answers),
                last_page="",
                lang="en",
                started_at=started,
                updated_at=submitted or started,
                submitted_at=submitted,
            )
        )
        partial += is_partial
        complete += not is_partial
    async with SurveyResponse._meta.db.transaction():
        for i in range(0, len(rows), 500):
            await SurveyResponse.insert(*rows[i : i + 500])
    return complete, partial


async def _demo_link(slug: str, member_id: int | None) -> str | None:
    """A ready link per survey, the same on every run (derived from the installation secret,
    so nobody without it can work it out); None once someone has used it."""
    secret = get_settings().secret_key
    digest = keyed_hash(secret, f"demo-link:{slug}")
    token = "".join(links.CROCKFORD[int(digest[i : i + 2], 16) % 32] for i in range(0, 52, 2))
    row = (
        await SurveyLink.select(SurveyLink.status)
        .where(SurveyLink.token_hash == hash_token(token))
        .first()
    )
    if row is not None:
        return token if row["status"] == "open" else None
    survey = (
        await Survey.select(Survey.id, Survey.current_version).where(Survey.slug == slug).first()
    )
    assert survey is not None
    await SurveyLink.insert(
        SurveyLink(
            token_hash=hash_token(token),
            survey=survey["id"],
            version=survey["current_version"],
            member=member_id,
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=365),
        )
    )
    return token


async def load_demo(out: Callable[[str], None], base_url: str) -> None:
    rng = random.Random(SEED)
    members = await _members()
    for slug in DEMO_SURVEYS:
        exists = await Survey.exists().where(Survey.slug == slug)
        if exists and await SurveyResponse.exists().where(
            SurveyResponse.survey.slug == slug  # type: ignore[attr-defined]
        ):
            out(f"Surveys: {slug} already has responses; left as it is.")
            continue
        if slug == "resident-satisfaction":
            total_c = total_p = 0
            data = load_bank(slug)
            for wave, (name, start) in WAVES.items():
                data["description"] = {"en": f"{data['description']['en']} ({name} wave)"}
                stored = (await definitions_store.save_definition(data, created_by="demo")).stored
                c, p = await _fill(
                    slug,
                    stored.survey_id,
                    stored.version,
                    stored.survey,
                    members,
                    rng=rng,
                    share=0.78,
                    partial_share=0.06,
                    start=start,
                    shift=-0.18 if wave == 2 else 0.0,
                )
                total_c, total_p = total_c + c, total_p + p
                data = load_bank(slug)
            out(
                f"Surveys: {slug}: {total_c} complete and {total_p} partial responses "
                "(version 1 = spring 2026 wave, version 2 = autumn 2026 wave)."
            )
            continue
        stored = (
            await definitions_store.save_definition(load_bank(slug), created_by="demo")
        ).stored
        c, p = await _fill(
            slug,
            stored.survey_id,
            stored.version,
            stored.survey,
            members,
            rng=rng,
            share=0.45 if slug == "digital-inclusion" else 0.3,
            partial_share=0.05,
            start=dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC),
        )
        out(f"Surveys: {slug}: {c} complete and {p} partial responses.")
    await definitions_store.set_open_link("customer-satisfaction", True)
    await load_demo_fieldwork(out, WAVES[2][1] - dt.timedelta(hours=2))
    out("Ready survey links (personal, single use; open one straight away):")
    for slug in DEMO_SURVEYS:
        token = await _demo_link(slug, None)
        if token is None:
            out(
                f"  {slug:<22} demo link already used; make more with: "
                f"resident-voice survey links {slug} --count 5"
            )
        else:
            out(f"  {slug:<22} {base_url}/s/{token}")
    row = (
        await Survey.select(Survey.short_code).where(Survey.slug == "customer-satisfaction").first()
    )
    if row and row["short_code"]:
        out(
            f"  open link (anyone)     {base_url}/o/customer-satisfaction  "
            f"(short: {base_url}/r/{row['short_code']})"
        )
