"""The sign-up pages, one thing per page: what each asks, how it reads its answer, what's next.

Each step turns the draft (answers so far) into GOV.UK Frontend macro parameters and reads its
own form fields back, returning error messages by field id. The controller only routes; adding
a question means adding one step here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email

from panel.consent_wording import PURPOSES, wording
from panel.duplicates import normalise_phone
from panel.signup import Application
from panel.signup_words import disability_code, options

POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
CHANNEL_WORDS = {"email": "ch_email", "sms": "ch_sms", "post": "ch_post", "phone": "ch_phone"}
NEEDS = ("large_print", "easy_read", "bsl", "welsh")

Draft = dict[str, Any]
Errors = dict[str, str]
Form = dict[str, Any]


@dataclass(frozen=True)
class Step:
    id: str
    title: str  # key in the words
    components: Callable[[Draft, dict[str, str], str, Errors], list[dict[str, Any]]]
    parse: Callable[[Form, Draft, dict[str, str]], Errors]
    applies: Callable[[Draft], bool] = lambda draft: True
    heading_in_component: bool = True  # the legend or label is the page's h1


def _error(errors: Errors, field: str) -> dict[str, str] | None:
    return {"text": errors[field]} if field in errors else None


def _input(
    field: str, label: str, value: Any, errors: Errors, *, heading: bool = False, **extra: Any
) -> dict[str, Any]:
    label_params: dict[str, Any] = {"text": label}
    if heading:
        label_params.update(isPageHeading=True, classes="govuk-label--l")
    params = {
        "id": field,
        "name": field,
        "label": label_params,
        "value": value or "",
        "errorMessage": _error(errors, field),
        **extra,
    }
    return {"macro": "input", "params": params}


def _radios(
    field: str,
    legend: str,
    items: list[tuple[str, str]],
    value: Any,
    errors: Errors,
    hint: str | None = None,
) -> dict[str, Any]:
    return {
        "macro": "radios",
        "params": {
            "idPrefix": field,
            "name": field,
            "fieldset": {
                "legend": {
                    "text": legend,
                    "isPageHeading": True,
                    "classes": "govuk-fieldset__legend--l",
                }
            },
            "hint": {"text": hint} if hint else None,
            "errorMessage": _error(errors, field),
            "items": [
                {"value": code, "text": text, "checked": code == value} for code, text in items
            ],
        },
    }


def _equality(field: str, question: str, with_pnts: bool = True) -> Step:
    def components(
        draft: Draft, w: dict[str, str], lang: str, errors: Errors
    ) -> list[dict[str, Any]]:
        items = options(question, lang)
        if with_pnts:
            items = [*items, ("prefer_not_to_say", w["prefer_not_to_say"])]
        hint = w["equality_why"]
        if field == "ethnic_group":
            hint = w["ethnicity_hint"] + " " + hint
        title = {
            "sex": "sex_title",
            "ethnic_group": "ethnicity_title",
            "long_term_condition": "condition_title",
            "reduced_ability": "reduced_title",
        }[field]
        return [
            _radios(field, w[title] + " " + w["optional"], items, draft.get(field), errors, hint)
        ]

    def parse(form: Form, draft: Draft, w: dict[str, str]) -> Errors:
        value = str(form.get(field) or "")
        codes = {code for code, _ in options(question, "en")} | {"prefer_not_to_say", ""}
        if value not in codes:
            return {field: w["err_channel"]}
        draft[field] = value
        if field == "long_term_condition" and value != "yes":
            draft.pop("reduced_ability", None)
        return {}

    titles = {
        "sex": "sex_title",
        "ethnic_group": "ethnicity_title",
        "long_term_condition": "condition_title",
        "reduced_ability": "reduced_title",
    }

    def applies(draft: Draft) -> bool:
        return field != "reduced_ability" or draft.get("long_term_condition") == "yes"

    title = titles[field]
    return Step(field.replace("_", "-"), title, components, parse, applies)


# --- name ---------------------------------------------------------------------------------


def _name_components(
    draft: Draft, w: dict[str, str], lang: str, errors: Errors
) -> list[dict[str, Any]]:
    return [
        _input(
            "first_name",
            w["first_name"],
            draft.get("first_name"),
            errors,
            autocomplete="given-name",
            spellcheck=False,
        ),
        _input(
            "last_name",
            w["last_name"],
            draft.get("last_name"),
            errors,
            autocomplete="family-name",
            spellcheck=False,
        ),
    ]


def _name_parse(form: Form, draft: Draft, w: dict[str, str]) -> Errors:
    errors: Errors = {}
    for field in ("first_name", "last_name"):
        value = str(form.get(field) or "").strip()[:100]
        draft[field] = value
        if not value:
            errors[field] = w[f"err_{field}"]
    return errors


# --- channel ------------------------------------------------------------------------------


def _channel_components(
    draft: Draft, w: dict[str, str], lang: str, errors: Errors
) -> list[dict[str, Any]]:
    items = [(code, w[key]) for code, key in CHANNEL_WORDS.items()]
    return [
        _radios(
            "preferred_contact",
            w["channel_title"],
            items,
            draft.get("preferred_contact"),
            errors,
            w["channel_hint"],
        )
    ]


def _channel_parse(form: Form, draft: Draft, w: dict[str, str]) -> Errors:
    value = str(form.get("preferred_contact") or "")
    if value not in CHANNEL_WORDS:
        return {"preferred_contact": w["err_channel"]}
    draft["preferred_contact"] = value
    return {}


# --- email and phone ----------------------------------------------------------------------


def _email_components(
    draft: Draft, w: dict[str, str], lang: str, errors: Errors
) -> list[dict[str, Any]]:
    needed = draft.get("preferred_contact") == "email"
    title = w["email_title"] + ("" if needed else " " + w["optional"])
    return [
        _input(
            "email",
            title,
            draft.get("email"),
            errors,
            heading=True,
            type="email",
            autocomplete="email",
            spellcheck=False,
            hint={"text": w["email_hint" if needed else "email_optional_hint"]},
        )
    ]


def _email_parse(form: Form, draft: Draft, w: dict[str, str]) -> Errors:
    raw = str(form.get("email") or "").strip()[:254]
    draft["email"] = raw
    if not raw:
        return {"email": w["err_email_needed"]} if draft.get("preferred_contact") == "email" else {}
    try:
        draft["email"] = validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        return {"email": w["err_email"]}
    return {}


def _phone_needed(draft: Draft) -> bool:
    return draft.get("preferred_contact") in ("sms", "phone")


def _phone_components(
    draft: Draft, w: dict[str, str], lang: str, errors: Errors
) -> list[dict[str, Any]]:
    needed = _phone_needed(draft)
    title = w["phone_title"] + ("" if needed else " " + w["optional"])
    return [
        _input(
            "phone",
            title,
            draft.get("phone"),
            errors,
            heading=True,
            type="tel",
            autocomplete="tel",
            classes="govuk-input--width-20",
            hint={"text": w["phone_hint" if needed else "phone_optional_hint"]},
        )
    ]


def _phone_parse(form: Form, draft: Draft, w: dict[str, str]) -> Errors:
    raw = str(form.get("phone") or "").strip()[:32]
    draft["phone"] = raw
    if not raw:
        return {"phone": w["err_phone_needed"]} if _phone_needed(draft) else {}
    return {} if normalise_phone(raw) else {"phone": w["err_phone"]}


# --- address ------------------------------------------------------------------------------


def _address_components(
    draft: Draft, w: dict[str, str], lang: str, errors: Errors
) -> list[dict[str, Any]]:
    return [
        _input(
            "address_line1",
            w["address_line1"],
            draft.get("address_line1"),
            errors,
            autocomplete="address-line1",
        ),
        _input(
            "town",
            w["town"],
            draft.get("town"),
            errors,
            autocomplete="address-level2",
            classes="govuk-!-width-two-thirds",
        ),
        _input(
            "postcode",
            w["postcode"],
            draft.get("postcode"),
            errors,
            autocomplete="postal-code",
            classes="govuk-input--width-10",
        ),
    ]


def _address_parse(form: Form, draft: Draft, w: dict[str, str]) -> Errors:
    errors: Errors = {}
    for field, limit in (("address_line1", 200), ("town", 100), ("postcode", 10)):
        draft[field] = str(form.get(field) or "").strip()[:limit]
    postcode = draft["postcode"].upper()
    if postcode:
        if POSTCODE.match(postcode):
            compact = postcode.replace(" ", "")
            draft["postcode"] = f"{compact[:-3]} {compact[-3:]}"
        else:
            errors["postcode"] = w["err_postcode"]
    if draft.get("preferred_contact") == "post":
        if not draft["address_line1"]:
            errors["address_line1"] = w["err_address_needed"]
        if not draft["town"]:
            errors["town"] = w["err_town_needed"]
        if not postcode:
            errors["postcode"] = w["err_postcode"]
    return errors


# --- date of birth ------------------------------------------------------------------------


def date_of_birth(draft: Draft) -> dt.date | None:
    try:
        return dt.date(int(draft["dob_year"]), int(draft["dob_month"]), int(draft["dob_day"]))
    except (KeyError, ValueError, TypeError):
        return None


def _dob_components(
    draft: Draft, w: dict[str, str], lang: str, errors: Errors
) -> list[dict[str, Any]]:
    error = "dob" in errors
    box = "govuk-input--width-2" + (" govuk-input--error" if error else "")
    return [
        {
            "macro": "date",
            "params": {
                "id": "dob",
                "namePrefix": "dob",
                "fieldset": {
                    "legend": {
                        "text": w["dob_title"] + " " + w["optional"],
                        "isPageHeading": True,
                        "classes": "govuk-fieldset__legend--l",
                    }
                },
                "hint": {"text": w["dob_hint"]},
                "errorMessage": _error(errors, "dob"),
                "items": [
                    {
                        "name": "day",
                        "label": w["day"],
                        "classes": box,
                        "value": draft.get("dob_day", ""),
                        "autocomplete": "bday-day",
                    },
                    {
                        "name": "month",
                        "label": w["month"],
                        "classes": box,
                        "value": draft.get("dob_month", ""),
                        "autocomplete": "bday-month",
                    },
                    {
                        "name": "year",
                        "label": w["year"],
                        "classes": "govuk-input--width-4"
                        + (" govuk-input--error" if error else ""),
                        "value": draft.get("dob_year", ""),
                        "autocomplete": "bday-year",
                    },
                ],
            },
        }
    ]


def _dob_parse(form: Form, draft: Draft, w: dict[str, str]) -> Errors:
    parts = {p: str(form.get(f"dob-{p}") or "").strip()[:4] for p in ("day", "month", "year")}
    for part, value in parts.items():
        draft[f"dob_{part}"] = value
    if not any(parts.values()):
        return {}
    born = date_of_birth(draft)
    today = dt.date.today()
    if born is None or born >= today or born.year < 1900:
        return {"dob": w["err_dob"]}
    if (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) < 16:
        return {"dob": w["err_dob_age"]}
    return {}


# --- needs and consent --------------------------------------------------------------------


def _checkboxes(
    field: str, legend: str, hint: str, items: list[dict[str, Any]], errors: Errors
) -> dict[str, Any]:
    return {
        "macro": "checkboxes",
        "params": {
            "idPrefix": field,
            "name": field,
            "fieldset": {
                "legend": {
                    "text": legend,
                    "isPageHeading": True,
                    "classes": "govuk-fieldset__legend--l",
                }
            },
            "hint": {"text": hint},
            "errorMessage": _error(errors, field),
            "items": items,
        },
    }


def _needs_components(
    draft: Draft, w: dict[str, str], lang: str, errors: Errors
) -> list[dict[str, Any]]:
    chosen = set(draft.get("needs", []))
    items: list[dict[str, Any]] = [
        {"value": need, "text": w[f"need_{need}"], "checked": need in chosen} for need in NEEDS
    ]
    items += [
        {"divider": "or" if lang != "cy" else "neu"},
        {
            "value": "none",
            "text": w["need_none"],
            "behaviour": "exclusive",
            "checked": "none" in chosen,
        },
    ]
    return [
        _checkboxes("needs", w["needs_title"] + " " + w["optional"], w["needs_hint"], items, errors)
    ]


def _list(form: Form, field: str) -> list[str]:
    value = form.get(field)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _needs_parse(form: Form, draft: Draft, w: dict[str, str]) -> Errors:
    chosen = [n for n in _list(form, "needs") if n in (*NEEDS, "none")]
    draft["needs"] = ["none"] if "none" in chosen else chosen
    return {}


def _consent_components(
    draft: Draft, w: dict[str, str], lang: str, errors: Errors
) -> list[dict[str, Any]]:
    chosen = set(draft.get("consents", []))
    items = [{"value": p, "text": wording(p, lang), "checked": p in chosen} for p in PURPOSES]
    return [_checkboxes("consents", w["consent_title"], w["consent_hint"], items, errors)]


def _consent_parse(form: Form, draft: Draft, w: dict[str, str]) -> Errors:
    chosen = [p for p in _list(form, "consents") if p in PURPOSES]
    draft["consents"] = chosen
    if "membership" not in chosen:
        return {"consents": w["err_consent_membership"]}
    if f"contact:{draft.get('preferred_contact')}" not in chosen:
        return {"consents": w["err_consent_channel"]}
    return {}


STEPS: list[Step] = [
    Step("name", "name_title", _name_components, _name_parse, heading_in_component=False),
    Step("contact", "channel_title", _channel_components, _channel_parse),
    Step("email", "email_title", _email_components, _email_parse),
    Step("phone", "phone_title", _phone_components, _phone_parse),
    Step(
        "address", "address_title", _address_components, _address_parse, heading_in_component=False
    ),
    Step("date-of-birth", "dob_title", _dob_components, _dob_parse),
    Step("needs", "needs_title", _needs_components, _needs_parse),
    Step("consent", "consent_title", _consent_components, _consent_parse),
    _equality("sex", "sex"),
    _equality("ethnic_group", "ethnic_group"),
    _equality("long_term_condition", "long_term_condition"),
    _equality("reduced_ability", "reduced_ability"),
]
BY_ID = {s.id: s for s in STEPS}


def steps_for(draft: Draft) -> list[Step]:
    return [s for s in STEPS if s.applies(draft)]


def next_step(step_id: str, draft: Draft) -> str:
    """The step after `step_id`, or `check` after the last one."""
    ids = [s.id for s in steps_for(draft)]
    after = ids[ids.index(step_id) + 1 :] if step_id in ids else ids
    return after[0] if after else "check"


def previous_step(step_id: str, draft: Draft) -> str | None:
    ids = [s.id for s in steps_for(draft)]
    if step_id == "check":
        return ids[-1]
    position = ids.index(step_id) if step_id in ids else 0
    return ids[position - 1] if position > 0 else None


def first_unanswered(draft: Draft) -> str | None:
    """The first step the draft has not been through (answers must come in order)."""
    done = set(draft.get("done", []))
    for step in steps_for(draft):
        if step.id not in done:
            return step.id
    return None


def application(draft: Draft) -> Application:
    """The finished draft as an application for `panel.signup.apply`."""
    needs = set(draft.get("needs", []))
    ethnic = draft.get("ethnic_group", "")
    ethnicity = ethnic.split("_", 1)[0] if ethnic and ethnic != "prefer_not_to_say" else ethnic
    return Application(
        first_name=draft.get("first_name", ""),
        last_name=draft.get("last_name", ""),
        preferred_contact=draft.get("preferred_contact", ""),
        consents=set(draft.get("consents", [])),
        email=draft.get("email") or None,
        phone=draft.get("phone") or None,
        address_line1=draft.get("address_line1", ""),
        town=draft.get("town", ""),
        postcode=draft.get("postcode", ""),
        date_of_birth=date_of_birth(draft),
        sex=draft.get("sex", ""),
        ethnicity=ethnicity,
        disability=disability_code(
            draft.get("long_term_condition", ""), draft.get("reduced_ability", "")
        ),
        language="cy" if "welsh" in needs or draft.get("lang") == "cy" else "en",
        large_print="large_print" in needs,
        easy_read="easy_read" in needs,
        bsl="bsl" in needs,
        source=draft.get("source") or "sign-up",
    )
