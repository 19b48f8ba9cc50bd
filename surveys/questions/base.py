"""The contract every question type meets, and the shared parts of it.

Following ONS eq-questionnaire-runner's field handlers, one small class per
answer type knows everything about that type: which options it adds, how
its definition is checked, how a submitted form becomes a normalised answer
(or a localised error), what its macro needs, and how it is exported. Adding
a type means adding one module here, its macro file and its schema entry,
and registering it in ``registry.py``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from surveys import i18n
from surveys.definitions.conditions import COMPARISONS, LIST_OPERATORS, PRESENCE, Reference
from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Option, Question

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

Form = Mapping[str, Sequence[str]]

DONT_KNOW = "dont_know"
PREFER_NOT_TO_SAY = "prefer_not_to_say"
NONE_OF_THESE = "none"
SPECIAL_CODES = (DONT_KNOW, PREFER_NOT_TO_SAY, NONE_OF_THESE)


@dataclass(frozen=True, slots=True)
class Parsed:
    """One question's share of a submitted page.

    ``value`` is the normalised answer (``None`` when left blank);
    ``errors`` pairs the HTML id the error summary links to (usually the
    question's first field; a date's month, a grid's third item) with a
    message already in the resident's language; ``redisplay`` is what the
    page shows back when it re-renders (raw input, so a mistyped postcode
    is still there to correct).
    """

    value: Any = None
    errors: tuple[tuple[str, str], ...] = ()  # (field_id, message)
    redisplay: Any = None


def values_of(form: Form, name: str) -> list[str]:
    """Every submitted value for ``name``. A bare string (a plain dict
    passed by mistake instead of a multi-dict) counts as one value rather
    than being split into characters."""
    values = form.get(name) or []
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values]


def first(form: Form, name: str) -> str:
    """The first submitted value for ``name``, stripped ("" when absent)."""
    values = values_of(form, name)
    return values[0].strip() if values else ""


def special_options(
    spec: Mapping[str, Any], languages: Sequence[str], *, dont_know: bool = False
) -> list[Option]:
    """The engine's own "Don't know" / "Prefer not to say" options."""
    out = []
    if spec.get("dont_know", dont_know):
        out.append(Option(DONT_KNOW, i18n.text_map("option.dont_know", languages), special=True))
    if spec.get("prefer_not_to_say", False):
        out.append(
            Option(
                PREFER_NOT_TO_SAY,
                i18n.text_map("option.prefer_not_to_say", languages),
                exclusive=True,
                special=True,
            )
        )
    return out


def plain_options(raw: Sequence[Mapping[str, Any]]) -> list[Option]:
    return [
        Option(
            code=o["code"],
            label=o["label"],
            hint=o.get("hint"),
            exclusive=bool(o.get("exclusive", False)),
        )
        for o in raw
    ]


class QuestionType(ABC):
    """Base class: defaults suit a single text-like field named after the question."""

    name: ClassVar[str]
    #: How conditions and exports see the answer: choice, choices, number,
    #: rating, date, text, boolean or grid.
    kind: ClassVar[str] = "text"
    required_key: ClassVar[str] = "required.text"

    @property
    def template(self) -> str:
        return f"surveys/questions/{self.name}.html"

    # -- definition time ---------------------------------------------------
    def build_options(
        self, spec: Mapping[str, Any], option_sets: Mapping[str, Any], languages: Sequence[str]
    ) -> tuple[Option, ...]:
        return ()

    def build_items(self, spec: Mapping[str, Any], languages: Sequence[str]) -> tuple[Option, ...]:
        return ()

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]:
        """Type-specific checks of a question's own settings."""
        issues: list[DefinitionIssue] = []
        if question.sensitive and question.required and not question.option("prefer_not_to_say"):
            issues.append(
                DefinitionIssue(
                    f"{question.path}.required",
                    "a sensitive question must be optional or offer 'Prefer not to say'",
                )
            )
        return issues

    def check_operand(self, question: Question, ref: Reference) -> list[DefinitionIssue]:
        """Whether a condition can ever hold for this question's answers."""
        if ref.op in PRESENCE:
            return []
        if ref.op in COMPARISONS:
            return [
                DefinitionIssue(
                    ref.path,
                    f"cannot compare answers to '{question.id}' ({self.name}) as larger or smaller",
                )
            ]
        values = ref.operand["values"] if ref.op in LIST_OPERATORS else [ref.operand["value"]]
        issues = []
        for value in values:
            problem = self.operand_problem(question, value)
            if problem:
                issues.append(DefinitionIssue(ref.path, problem))
        return issues

    def operand_problem(self, question: Question, value: Any) -> str | None:
        if not isinstance(value, str):
            return f"'{question.id}' has text answers; compare it with text, not {value!r}"
        return None

    # -- answer time -------------------------------------------------------
    def field_id(self, question: Question) -> str:
        """The HTML id the error summary links to (first input of the question)."""
        return question.id

    @abstractmethod
    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        """The answer from the submitted form, or the errors that stop it being stored."""

    def message(self, question: Question, rule: str, key: str, lang: str, **params: Any) -> str:
        """The author's wording for ``rule`` if given, else the catalogue's."""
        return question.error_message(rule, lang) or i18n.gettext(key, lang, **params)

    def required_message(self, question: Question, lang: str) -> str:
        return self.message(question, "required", self.required_key, lang)

    def is_valid_answer(self, question: Question, value: Any) -> bool:
        """Whether a stored value has this type's shape (for imported or staff-entered answers)."""
        return isinstance(value, str)

    def format_answer(self, survey: Survey, question: Question, value: Any, lang: str) -> str:
        if isinstance(value, str):
            option = question.option(value)
            if option is not None:
                return survey.localise(option.label, lang)
            return value
        return "" if value is None else str(value)

    def display_value(self, question: Question, value: Any) -> Any:
        """The stored answer (or redisplayed raw input) as the field shows it."""
        return "" if value is None else value

    # -- rendering ---------------------------------------------------------
    @abstractmethod
    def view(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        """Everything this type's macro needs, localised and piped."""

    # -- export ------------------------------------------------------------
    def codebook(self, survey: Survey, question: Question, lang: str) -> list[dict[str, Any]]:
        return [
            {
                "name": question.id,
                "label": survey.text(question.text, lang),
                "type": "text",
                "ordered": False,
                "values": {},
                "missing": [],
            }
        ]

    def export(self, question: Question, value: Any) -> dict[str, Any]:
        return {question.id: value}


@dataclass(frozen=True, slots=True)
class ViewContext:
    """What a handler's ``view`` needs beyond the survey and question."""

    lang: str
    answers: Mapping[str, Any]
    value: Any
    errors: Mapping[str, str]  # field_id -> message
    page_heading: bool

    @property
    def error(self) -> str | None:
        """The first error on this question (most types have one field)."""
        return next(iter(self.errors.values()), None)

    def legend(self, text: str) -> dict[str, Any]:
        if self.page_heading:
            return {"text": text, "isPageHeading": True, "classes": "govuk-fieldset__legend--l"}
        return {"text": text, "classes": "govuk-fieldset__legend--m"}

    def label(self, text: str) -> dict[str, Any]:
        if self.page_heading:
            return {"text": text, "isPageHeading": True, "classes": "govuk-label--l"}
        return {"text": text, "classes": "govuk-label--m"}

    def error_message(self, message: str | None = None) -> dict[str, Any] | None:
        """GOV.UK ``errorMessage`` params for ``message`` (default: this question's error)."""
        text = message if message is not None else self.error
        if not text:
            return None
        return {"text": text, "visuallyHiddenText": i18n.gettext("error_prefix", self.lang)}


def base_view(
    survey: Survey, question: Question, ctx: ViewContext, handler: QuestionType
) -> dict[str, Any]:
    """Keys every view has; handlers add ``params`` for their GOV.UK macro."""
    hint = survey.text(question.hint, ctx.lang, ctx.answers) if question.hint else None
    return {
        "type": question.type,
        "id": question.id,
        "template": handler.template,
        "field_id": handler.field_id(question),
        "text": survey.text(question.text, ctx.lang, ctx.answers),
        "hint": hint,
        "error": ctx.error,
        "is_page_heading": ctx.page_heading,
        "lang": ctx.lang,
    }
