"""Every question type parses and validates good and bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from engine_helpers import choice, make_survey, page, question

from surveys.bank import load_bank_survey
from surveys.definitions import Survey, parse_definition
from surveys.questions import apply_page, parse_page
from surveys.questions.email import normalise_email
from surveys.questions.phone import normalise_phone
from surveys.questions.postcode import normalise_postcode


def one(q: dict[str, Any], languages: tuple[str, ...] = ("en",)) -> Survey:
    return parse_definition(make_survey(page("p1", q), languages=languages))


def submit(
    survey: Survey, form: dict[str, Any], lang: str = "en"
) -> tuple[Any, list[tuple[str, str]]]:
    """(value of the only question, [(field_id, message)])."""
    multi = {k: v if isinstance(v, list) else [v] for k, v in form.items()}
    result = parse_page(survey, "p1", multi, lang, {})
    qid = survey.questions[0].id
    return result.values.get(qid), [(e.field_id, e.message) for e in result.errors]


# -- single choice and scales -------------------------------------------------


def test_single_choice() -> None:
    survey = one(choice("q", "a", "b", required=True, dont_know=True))
    assert submit(survey, {"q": "a"}) == ("a", [])
    assert submit(survey, {"q": "dont_know"}) == ("dont_know", [])
    assert submit(survey, {"q": "c"}) == (None, [("q", "Select one of the options shown")])
    assert submit(survey, {}) == (None, [("q", "Select an answer")])


def test_author_error_messages_override_the_catalogue() -> None:
    survey = one(
        choice(
            "q", "a", required=True, error_messages={"required": {"en": "Select how you travel"}}
        )
    )
    assert submit(survey, {}) == (None, [("q", "Select how you travel")])


def test_optional_blank_is_none_and_clears_an_earlier_answer() -> None:
    survey = one(choice("q", "a", "b"))
    result = parse_page(survey, "p1", {}, "en", {"q": "a"})
    assert result.ok and result.values == {"q": None}
    assert apply_page(survey, {"q": "a"}, result) == {}


def test_apply_page_refuses_invalid_pages() -> None:
    survey = one(choice("q", "a", required=True))
    result = parse_page(survey, "p1", {}, "en", {})
    with pytest.raises(ValueError, match="errors"):
        apply_page(survey, {}, result)


@pytest.mark.parametrize(
    ("type_", "codes"),
    [
        (
            "satisfaction_scale",
            [
                "very_satisfied",
                "fairly_satisfied",
                "neither",
                "fairly_dissatisfied",
                "very_dissatisfied",
                "dont_know",
            ],
        ),
        (
            "agreement_scale",
            [
                "strongly_agree",
                "tend_to_agree",
                "neither",
                "tend_to_disagree",
                "strongly_disagree",
                "dont_know",
            ],
        ),
    ],
)
def test_scales_have_lga_points_and_dont_know(type_: str, codes: list[str]) -> None:
    survey = one(question("q", type_, required=True))
    assert [o.code for o in survey.question("q").options] == codes
    assert submit(survey, {"q": "neither"}) == ("neither", [])
    assert submit(survey, {"q": "meh"})[1] == [("q", "Select one of the options shown")]
    no_dk = one(question("q", type_, dont_know=False, prefer_not_to_say=True))
    assert [o.code for o in no_dk.question("q").options][-1] == "prefer_not_to_say"
    assert "dont_know" not in [o.code for o in no_dk.question("q").options]


def test_scale_labels_are_the_lga_wording() -> None:
    survey = one(question("q", "satisfaction_scale"))
    labels = [o.label["en"] for o in survey.question("q").options]
    assert labels == [
        "Very satisfied",
        "Fairly satisfied",
        "Neither satisfied nor dissatisfied",
        "Fairly dissatisfied",
        "Very dissatisfied",
        "Don't know",
    ]


# -- multiple choice ------------------------------------------------------------


def multi(**extra: Any) -> Survey:
    return one(
        question(
            "q",
            "multiple_choice",
            options=[{"code": c, "label": {"en": c.title()}} for c in ("a", "b", "c")],
            none_of_these=True,
            prefer_not_to_say=True,
            **extra,
        )
    )


def test_multiple_choice_keeps_option_order() -> None:
    assert submit(multi(), {"q": ["c", "a"]}) == (["a", "c"], [])
    assert submit(multi(), {"q": ["none"]}) == (["none"], [])


def test_none_of_these_is_exclusive() -> None:
    value, errors = submit(multi(), {"q": ["a", "none"]})
    assert value is None
    assert errors == [("q", "Select ‘None of these’ or other answers, not both")]
    _, errors = submit(multi(), {"q": ["prefer_not_to_say", "b"]})
    assert errors == [("q", "Select ‘Prefer not to say’ or other answers, not both")]


def test_multiple_choice_limits_and_unknown_codes() -> None:
    survey = multi(min_selections=2, max_selections=2, required=True)
    assert submit(survey, {"q": ["a"]})[1] == [("q", "Select at least 2 answers")]
    assert submit(survey, {"q": ["a", "b", "c"]})[1] == [("q", "Select no more than 2 answers")]
    assert submit(survey, {"q": ["a", "zzz"]})[1] == [("q", "Select one of the options shown")]
    assert submit(survey, {"q": ["a", "b"]}) == (["a", "b"], [])
    # An exclusive answer is complete on its own, whatever the minimum.
    assert submit(survey, {"q": ["none"]}) == (["none"], [])
    assert submit(survey, {})[1] == [("q", "Select at least one answer")]


# -- rating ----------------------------------------------------------------------


def test_rating() -> None:
    survey = one(question("q", "rating", dont_know=True, required=True))
    assert submit(survey, {"q": "0"}) == (0, [])
    assert submit(survey, {"q": "10"}) == (10, [])
    assert submit(survey, {"q": "dont_know"}) == ("dont_know", [])
    for bad in ("11", "-1", "5.5", "x"):
        assert submit(survey, {"q": bad})[1] == [("q", "Select one of the options shown")]


# -- number -----------------------------------------------------------------------


def test_whole_number() -> None:
    survey = one(question("q", "number", min=1, max=30, required=True))
    assert submit(survey, {"q": " 12 "}) == (12, [])
    assert submit(survey, {"q": "1,2"})[0] == 12  # thousands separators are ignored
    assert submit(survey, {"q": "0"})[1] == [("q", "Enter a number that is 1 or more")]
    assert submit(survey, {"q": "31"})[1] == [("q", "Enter a number that is 30 or less")]
    assert submit(survey, {"q": "2.5"})[1] == [("q", "Enter a whole number, like 12")]
    assert submit(survey, {"q": "twelve"})[1] == [("q", "Enter a whole number, like 12")]
    assert submit(survey, {"q": ""})[1] == [("q", "Enter a number")]


def test_decimal_number_with_prefix() -> None:
    survey = one(question("q", "number", decimals=2, prefix={"en": "£"}))
    assert submit(survey, {"q": "£12.50"}) == (12.5, [])
    assert submit(survey, {"q": "-3"}) == (-3.0, [])
    assert submit(survey, {"q": "1.234"})[1] == [
        ("q", "Enter a number with no more than 2 decimal places")
    ]
    assert submit(survey, {"q": "1e5"})[1] == [("q", "Enter a number, like 12")]


# -- date -------------------------------------------------------------------------


def date_form(day: str, month: str, year: str) -> dict[str, str]:
    return {"q-day": day, "q-month": month, "q-year": year}


def test_date() -> None:
    survey = one(question("q", "date", required=True))
    assert submit(survey, date_form("1", "3", "2024")) == ("2024-03-01", [])
    assert submit(survey, date_form("01", "March", "2024"))[0] == "2024-03-01"
    assert submit(survey, date_form("29", "feb", "2024"))[0] == "2024-02-29"
    assert submit(survey, date_form("1", "Mawrth", "2024"))[0] == "2024-03-01"  # Welsh month name
    assert submit(survey, {})[1] == [("q-day", "Enter a date")]


@pytest.mark.parametrize(
    ("form", "error"),
    [
        (date_form("31", "2", "2024"), ("q-day", "Enter a real date")),
        (date_form("29", "2", "2023"), ("q-day", "Enter a real date")),
        (date_form("1", "13", "2024"), ("q-month", "Enter a real date")),
        (date_form("1", "smarch", "2024"), ("q-month", "Enter a real date")),
        (date_form("x", "1", "2024"), ("q-day", "Enter a real date")),
        (date_form("1", "1", "24"), ("q-year", "The year must include 4 numbers")),
        (date_form("1", "", "2024"), ("q-month", "The date must include a month")),
        (date_form("", "", "2024"), ("q-day", "The date must include a day and month")),
    ],
)
def test_impossible_and_incomplete_dates(form: dict[str, str], error: tuple[str, str]) -> None:
    survey = one(question("q", "date"))
    assert submit(survey, form) == (None, [error])


def test_date_limits_and_today() -> None:
    survey = one(question("q", "date", min="2000-01-01", max="today"))
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    _, errors = submit(
        survey, date_form(str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))
    )
    assert errors[0][1].startswith("The date must be on or before ")
    assert submit(survey, date_form("31", "12", "1999"))[1] == [
        ("q-day", "The date must be on or after 1 January 2000")
    ]


def test_date_errors_in_welsh() -> None:
    survey = one(
        {"id": "q", "type": "date", "text": {"en": "When?", "cy": "Pryd?"}},
        languages=("en", "cy"),
    )
    assert submit(survey, date_form("1", "", "2024"), lang="cy")[1] == [
        ("q-month", "Mae'n rhaid i'r dyddiad gynnwys mis")
    ]


# -- text ------------------------------------------------------------------------


def test_short_text_limits_and_pattern() -> None:
    survey = one(
        question(
            "q",
            "short_text",
            min_length=2,
            max_length=8,
            pattern={"regex": "[A-Z]{2}[0-9]+", "message": {"en": "Enter a reference like AB123"}},
        )
    )
    assert submit(survey, {"q": "  AB123 "}) == ("AB123", [])
    assert submit(survey, {"q": "AB1234567"})[1] == [("q", "Answer must be 8 characters or fewer")]
    assert submit(survey, {"q": "A"})[1] == [("q", "Answer must be 2 characters or more")]
    assert submit(survey, {"q": "ab123"})[1] == [("q", "Enter a reference like AB123")]


def test_long_text_keeps_lines_and_counts_characters() -> None:
    survey = one(question("q", "long_text", max_length=10))
    assert submit(survey, {"q": "one\r\ntwo"}) == ("one\ntwo", [])
    assert submit(survey, {"q": "x" * 11})[1] == [("q", "Answer must be 10 characters or fewer")]
    assert submit(survey, {"q": "x" * 10})[0] == "x" * 10


# -- postcode, email, phone -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" SW1A  1AA ", "SW1A 1AA"),
        ("m1 1ae", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("cr26xh", "CR2 6XH"),
        ("DN551PT", "DN55 1PT"),
        ("CF10 1EP", "CF10 1EP"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_postcodes_normalise(raw: str, normalised: str) -> None:
    assert normalise_postcode(raw) == normalised


@pytest.mark.parametrize(
    "raw", ["SW1A", "SW1A 1A", "12345", "QW1 1AA", "SW1A 1AAA", "not a postcode", "SW1A 1CA"]
)
def test_bad_postcodes(raw: str) -> None:
    assert normalise_postcode(raw) is None
    survey = one(question("q", "postcode"))
    assert submit(survey, {"q": raw})[1] == [("q", "Enter a full UK postcode, like AA1 1AA")]


def test_email() -> None:
    assert normalise_email(" Someone@Example.COM ") == "Someone@example.com"
    survey = one(question("q", "email", required=True))
    assert submit(survey, {"q": "a@example.org"}) == ("a@example.org", [])
    for bad in ("a@", "no at sign", "a@b", "a@@example.org"):
        assert submit(survey, {"q": bad})[1] == [
            ("q", "Enter an email address in the correct format, like name@example.com")
        ]
    assert submit(survey, {})[1] == [("q", "Enter an email address")]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("07700 900982", "+447700900982"),
        ("+44 7700 900982", "+447700900982"),
        ("(01632) 960001", "+441632960001"),
        ("0808 157 0192", "+448081570192"),
        ("+33 1 42 68 53 00", "+33142685300"),
    ],
)
def test_phone_normalises_to_e164(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164


def test_bad_phone_numbers() -> None:
    survey = one(question("q", "phone"))
    for bad in ("123", "07700", "call me", "+44 1234"):
        assert submit(survey, {"q": bad})[1] == [
            ("q", "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192")
        ]
    assert survey.format_answer("q", "+447700900982", "en") == "07700 900982"


# -- consent and grid --------------------------------------------------------------------


def test_consent() -> None:
    required = one(question("q", "consent", statement={"en": "I agree"}, required=True))
    assert submit(required, {"q": "yes"}) == (True, [])
    assert submit(required, {})[1] == [("q", "Select the box to confirm you agree")]
    optional = one(question("q", "consent", statement={"en": "I agree"}))
    assert submit(optional, {}) == (False, [])
    assert submit(optional, {"q": "maybe"})[1] == [("q", "Select one of the options shown")]


def grid(**extra: Any) -> Survey:
    return one(
        question(
            "q",
            "grid",
            scale="agreement",
            items=[
                {"code": "bins", "label": {"en": "Bins"}},
                {"code": "roads", "label": {"en": "Roads"}},
            ],
            **extra,
        )
    )


def test_grid() -> None:
    survey = grid(required=True)
    form = {"q__bins": "tend_to_agree", "q__roads": "dont_know"}
    assert submit(survey, form) == ({"bins": "tend_to_agree", "roads": "dont_know"}, [])
    value, errors = submit(survey, {"q__roads": "bogus"})
    assert value is None
    assert errors == [
        ("q__bins", "Select an answer for ‘Bins’"),
        ("q__roads", "Select one of the options shown"),
    ]


def test_optional_grid_accepts_partial_answers() -> None:
    survey = grid()
    assert submit(survey, {"q__roads": "strongly_agree"}) == ({"roads": "strongly_agree"}, [])
    assert submit(survey, {}) == (None, [])


def test_hidden_questions_are_not_parsed() -> None:
    survey = parse_definition(
        make_survey(
            page("p1", choice("a", "yes", "no")),
            page(
                "p2",
                choice(
                    "b", "x", required=True, show_if={"equals": {"question": "a", "value": "yes"}}
                ),
                choice("c", "x"),
            ),
        )
    )
    result = parse_page(survey, "p2", {"b": ["x"], "c": ["x"]}, "en", {"a": "no"})
    assert result.ok and result.values == {"c": "x"}
    result = parse_page(survey, "p2", {"c": ["x"]}, "en", {"a": "yes"})
    assert [e.qid for e in result.errors] == ["b"]


def test_redisplay_keeps_what_was_typed() -> None:
    survey = parse_definition(
        make_survey(
            page(
                "p1",
                question("pc", "postcode", required=True),
                question("d", "date"),
                question("e", "email"),
            )
        )
    )
    form = {
        "pc": ["not one"],
        "d-day": ["31"],
        "d-month": ["2"],
        "d-year": ["2024"],
        "e": ["ok@example.com"],
    }
    result = parse_page(survey, "p1", form, "en", {})
    assert [e.field_id for e in result.errors] == ["pc", "d-day"]
    assert result.redisplay["pc"] == "not one"
    assert result.redisplay["d"] == {"day": "31", "month": "2", "year": "2024"}
    assert result.redisplay["e"] == "ok@example.com"


def test_format_answer_for_check_answers_pages() -> None:
    s = load_bank_survey("all-question-types")
    assert s.format_answer("q_lived", "gt_5", "cy") == "Mwy na 5 mlynedd"
    assert s.format_answer("q_services", ["libraries", "none"], "en") == "Libraries, None of these"
    assert s.format_answer("q_recommend", 7, "en") == "7"
    assert s.format_answer("q_recommend", 0, "en") == "0 – Not at all likely"
    assert s.format_answer("q_household", 3, "cy") == "3 o bobl"
    assert s.format_answer("q_moved", "2020-12-25", "en") == "25 December 2020"
    assert s.format_answer("q_contact_ok", True, "en") == "Yes"
    assert s.format_answer("q_contact_ok", False, "cy") == "Nac ydw"
    assert s.format_answer("q_services_grid", {"roads": "neither"}, "en") == (
        "Road and pavement repairs: Neither satisfied nor dissatisfied"
    )
    assert s.format_answer("q_age_band", "prefer_not_to_say", "en") == "Prefer not to say"


def test_plain_string_form_values_are_not_split_into_characters() -> None:
    survey = multi()
    result = parse_page(survey, "p1", {"q": "abc"}, "en", {})  # type: ignore[dict-item]
    assert [e.message for e in result.errors] == ["Select one of the options shown"]
    result = parse_page(survey, "p1", {"q": "a"}, "en", {})  # type: ignore[dict-item]
    assert result.values == {"q": ["a"]}
