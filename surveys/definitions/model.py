"""The parsed survey: pages, questions, options, and the routing over them.

Objects here are immutable views over a definition that has already passed
the schema and semantic checks (see ``parse.py``), so routing code can trust
every reference it follows. Answers are a plain ``{question_id: value}``
dict, the same shape the delivery layer stores as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from surveys.definitions import conditions, piping

if TYPE_CHECKING:
    from surveys.definitions.handlers import QuestionHandler

Text = Mapping[str, str]
Answers = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Option:
    """An answer option (or a grid item).

    ``special`` marks options the engine adds itself ("Don't know", "Prefer
    not to say", "None of these"): exports list them as missing codes.
    """

    code: str
    label: Text
    hint: Text | None = None
    exclusive: bool = False
    special: bool = False


@dataclass(frozen=True, slots=True)
class Question:
    """One question. ``spec`` is the raw definition mapping, for the
    type-specific settings each question type reads for itself; ``handler``
    is its type's handler, given at parse time (see ``handlers.py``), so
    this model never imports the question types."""

    id: str
    type: str
    text: Text
    page_id: str
    path: str
    spec: Mapping[str, Any]
    hint: Text | None = None
    required: bool = False
    sensitive: bool = False
    show_if: Mapping[str, Any] | None = None
    options: tuple[Option, ...] = ()
    items: tuple[Option, ...] = ()
    handler: QuestionHandler = field(kw_only=True, compare=False, repr=False)

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def error_message(self, rule: str, lang: str) -> str | None:
        """The author's own wording for ``rule`` in ``lang``, if any."""
        messages = self.spec.get("error_messages") or {}
        text = messages.get(rule)
        if text is None and rule == "pattern":
            text = (self.spec.get("pattern") or {}).get("message")
        if not text:
            return None
        return text.get(lang) or next(iter(text.values()))


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    index: int
    path: str
    questions: tuple[Question, ...]
    title: Text | None = None
    description: Text | None = None
    show_if: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class _PageState:
    page: Page
    shown: bool
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Survey:
    """A validated survey definition with routing.

    Conditions only ever look at answers on earlier pages (the checks
    enforce it), so routing is one pass from the first page: a page's
    visibility depends only on what was effectively answered before it, and
    answers to questions that are no longer shown do not count.
    """

    data: Mapping[str, Any]
    slug: str
    languages: tuple[str, ...]
    title_text: Text
    pages: tuple[Page, ...]
    version: int | None = None
    description: Text | None = None
    variables: Mapping[str, Text] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index = {q.id: q for p in self.pages for q in p.questions}
        object.__setattr__(self, "_questions", index)
        object.__setattr__(self, "_pages", {p.id: p for p in self.pages})

    # -- lookups -----------------------------------------------------------
    @property
    def questions(self) -> list[Question]:
        """Every question, in definition order."""
        return [q for p in self.pages for q in p.questions]

    def question(self, qid: str) -> Question:
        try:
            return self._questions[qid]  # type: ignore[attr-defined,no-any-return]
        except KeyError:
            raise KeyError(f"survey {self.slug!r} has no question {qid!r}") from None

    def page(self, page_id: str) -> Page:
        try:
            return self._pages[page_id]  # type: ignore[attr-defined,no-any-return]
        except KeyError:
            raise KeyError(f"survey {self.slug!r} has no page {page_id!r}") from None

    def page_of(self, qid: str) -> Page:
        return self.page(self.question(qid).page_id)

    def title(self, lang: str) -> str:
        return self.localise(self.title_text, lang)

    # -- text --------------------------------------------------------------
    def localise(self, text: Text | None, lang: str) -> str:
        """``text`` in ``lang``, else in the survey's first language."""
        if not text:
            return ""
        if lang in text:
            return text[lang]
        for fallback in self.languages:
            if fallback in text:
                return text[fallback]
        return next(iter(text.values()))

    def text(self, text: Text | None, lang: str, answers: Answers | None = None) -> str:
        """Localised text with ``{variable}`` and ``{answer:qid}`` filled in
        (answer placeholders are left as written when ``answers`` is None)."""
        return piping.fill(self, self.localise(text, lang), lang, answers)

    def format_answer(self, qid: str, value: Any, lang: str) -> str:
        """A stored answer as a resident reads it (check-answers page, piping)."""
        question = self.question(qid)
        return question.handler.format_answer(self, question, value, lang)

    # -- routing -----------------------------------------------------------
    def _walk(self, answers: Answers) -> tuple[list[_PageState], dict[str, Any]]:
        effective: dict[str, Any] = {}
        states: list[_PageState] = []
        for page in self.pages:
            page_ok = page.show_if is None or conditions.evaluate(page.show_if, effective, self)
            shown_qs: tuple[Question, ...] = ()
            if page_ok:
                shown_qs = tuple(
                    q
                    for q in page.questions
                    if q.show_if is None or conditions.evaluate(q.show_if, effective, self)
                )
            for q in shown_qs:
                if q.id in answers and answers[q.id] is not None:
                    effective[q.id] = answers[q.id]
            states.append(_PageState(page, bool(shown_qs), shown_qs))
        return states, effective

    def visible_pages(self, answers: Answers) -> list[Page]:
        """Pages a resident with these answers sees, in order. A page whose
        own condition fails, or whose questions are all hidden, is skipped."""
        states, _ = self._walk(answers)
        return [s.page for s in states if s.shown]

    def visible_layout(self, answers: Answers) -> list[tuple[Page, tuple[Question, ...]]]:
        """Each page shown, with its shown questions, from one routing walk (checking a whole
        response page by page with `visible_questions` walked the survey once per page)."""
        states, _ = self._walk(answers)
        return [(s.page, s.questions) for s in states if s.shown]

    def visible_questions(self, page: Page | str, answers: Answers) -> list[Question]:
        """The questions shown on ``page`` (none when the page is skipped)."""
        page_id = page if isinstance(page, str) else page.id
        self.page(page_id)
        states, _ = self._walk(answers)
        return next(list(s.questions) for s in states if s.page.id == page_id)

    def next_page(self, page_id: str | None, answers: Answers) -> Page | None:
        """The next page to show after ``page_id`` (``None`` for the first
        page), or ``None`` when the resident has reached the end."""
        start = -1 if page_id is None else self.page(page_id).index
        return next((p for p in self.visible_pages(answers) if p.index > start), None)

    def previous_page(self, page_id: str, answers: Answers) -> Page | None:
        """The page before ``page_id`` that this resident saw, or ``None``."""
        index = self.page(page_id).index
        earlier = [p for p in self.visible_pages(answers) if p.index < index]
        return earlier[-1] if earlier else None

    def first_page(self, answers: Answers | None = None) -> Page | None:
        return self.next_page(None, answers or {})

    def prune(self, answers: Answers) -> dict[str, Any]:
        """``answers`` without values for questions this resident no longer
        sees (routing changed after they went back), nor unknown ids."""
        _, effective = self._walk(answers)
        return effective
