"""Reading level of the main content (WCAG 3.1.5, AAA; plain English for residents).

Councils write for everyone; GOV.UK aims for a reading age of about 9. We score the main
content's paragraphs and list items with the Flesch reading ease formula. A score says
nothing certain about meaning, so a low score is always for review, never a violation.

Words and sentences are counted by textstat; syllables by Pyphen's British English
hyphenation dictionary (textstat's own syllable counter would download NLTK's CMU dictionary
at run time, which our servers cannot and should not do).
"""

from __future__ import annotations

import re
from functools import cache

import pyphen
from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="reading-ease",
    title="Main content is written in plain English",
    wcag=("3.1.5",),
    level="AAA",
    impact="minor",
    how_to_fix=(
        "Use short sentences and everyday words; say 'buy' not 'purchase', 'help' not "
        "'assistance'. Aim for a Flesch reading ease of 60 or more."
    ),
    reads_only=True,
)

#: Below this Flesch score text is "fairly difficult" to "very difficult" to read.
MIN_READING_EASE = 50.0
#: Too few words make the formula meaningless.
MIN_WORDS = 80

_TEXT_JS = """
() => {
  const root = document.querySelector('main, [role="main"]') || document.body;
  if (!root) return {text: '', selector: 'body', snippet: ''};
  const parts = [];
  for (const el of root.querySelectorAll('p, li, dd, blockquote')) {
    if (el.closest('nav, [role="navigation"], footer, form') || !window.__rv.visible(el)) continue;
    if (el.querySelector('p, li')) continue;  // count each passage once, at its innermost block
    let text = el.innerText.replace(/\\s+/g, ' ').trim();
    if (text && !/[.!?:]$/.test(text)) text += '.';
    parts.push(text);
  }
  return Object.assign(window.__rv.describe(root), {text: parts.join(' ')});
}
"""


_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@cache
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_GB")


def _syllables(word: str) -> int:
    return len(_dictionary().positions(word.lower())) + 1


def reading_ease(text: str) -> tuple[float, int, float]:
    """Flesch reading ease, word count and Flesch-Kincaid grade of ``text``."""
    # Imported here: textstat imports NLTK (about 1.7 s), which the web service never needs
    # and every process that merely imports the checks (each server start) used to pay for.
    import textstat

    words = _WORD.findall(text)
    n_words = int(textstat.lexicon_count(text))
    n_sentences = max(int(textstat.sentence_count(text)), 1)
    if not words or not n_words:
        return 100.0, 0, 0.0
    per_word = sum(_syllables(w) for w in words) / len(words)
    per_sentence = n_words / n_sentences
    ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    return ease, n_words, grade


@register(META)
async def check_reading_ease(page: Page, ctx: CheckContext) -> list[Finding]:
    """Review when the main content has enough words and scores below the threshold."""
    info = await evaluate(page, _TEXT_JS)
    score, words, grade = reading_ease(info["text"])
    if words < MIN_WORDS or score >= MIN_READING_EASE:
        return []
    return [
        ctx.finding(
            META,
            kind="review",
            selector=info["selector"],
            snippet=info["snippet"][:120],
            message=f"The main content is hard to read (Flesch reading ease {score:.0f}; "
            f"60 or more is plain English). Shorter sentences and everyday words would help "
            "residents.",
            data={
                "flesch_reading_ease": round(score, 1),
                "fk_grade": round(grade, 1),
                "words": words,
            },
        )
    ]
