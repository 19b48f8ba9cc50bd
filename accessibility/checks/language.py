"""Language of page and of parts (WCAG 3.1.1, 3.1.2).

The page must declare its language so screen readers pronounce it properly. Welsh councils
publish bilingual pages, and councils publish advice in the languages their residents read; a
passage without its own ``lang`` is read with the page's pronunciation. Each passage long
enough to be sure (:data:`SURE_WORDS` words) goes to an offline language identifier
(lingua, limited to :data:`LANGUAGES`, the languages UK councils publish in): when it is
sure (confidence ≥ :data:`SURE_CONFIDENCE`) the passage is in a language other than the one
its element declares, that is a violation of 3.1.2. Shorter passages (8+ words) that look
plainly Welsh by common Welsh words stay for review, as before. A passage mostly in a
right-to-left script (Arabic, Urdu, Persian in Arabic script; Hebrew) with no ``dir="rtl"``
(or ``auto``) on it or an ancestor is a violation of 1.3.2: the browser lays it out left to
right, so its full stops, numbers and mixed-direction runs come out in the wrong order.
"""

from __future__ import annotations

import re
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="language",
    title="Language of the page and of passages in another language",
    wcag=("3.1.1", "3.1.2"),
    level="A",
    impact="serious",
    how_to_fix=(
        'Set <html lang="en"> (or "cy" for a Welsh page) and mark passages in another '
        'language with lang, for example <p lang="cy">.'
    ),
    reads_only=True,
)

# Frequent Welsh words that are not also English words ("a", "i", "am", "o" are both, so
# they prove nothing and are left out).
_WELSH = frozenset(
    [
        "mae",
        "yw",
        "ydych",
        "ydy",
        "chi",
        "ein",
        "eich",
        "gyda",
        "hefyd",
        "neu",
        "ond",
        "fel",
        "gan",
        "wedi",
        "cael",
        "ar",
        "yn",
        "y",
        "yr",
        "ac",
        "ei",
        "eu",
        "hyn",
        "hynny",
        "gwybodaeth",
        "cyngor",
        "croeso",
        "diolch",
        "gallwch",
        "ni",
        "sydd",
        "bydd",
        "rydym",
        "ble",
        "pryd",
        "beth",
        "sut",
        "pam",
        "dros",
        "drwy",
        "rhwng",
        "ar-lein",
        "cysylltu",
        "gymraeg",
        "cymraeg",
        "ddim",
        "oes",
        "mewn",
        "rhaid",
        "angen",
    ]
)
# Frequent English function words: a passage with many of these is English.
_ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "are",
        "you",
        "your",
        "we",
        "our",
        "with",
        "for",
        "this",
        "that",
        "i",
        "a",
        "am",
        "not",
        "do",
        "it",
        "or",
        "in",
        "on",
        "at",
        "be",
        "have",
        "has",
        "was",
        "will",
        "can",
        "if",
        "my",
        "me",
        "they",
        "them",
        "there",
        "what",
        "when",
        "how",
        "by",
        "from",
        "as",
        "an",
        "no",
    ]
)
_WORD = re.compile(r"[a-zA-Zâêîôûŵŷáéíóúàèìòù'-]+")
_ANY_WORD = re.compile(r"\w+")  # any script: Urdu and Chinese passages count too
_VALID_LANG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")


def looks_welsh(text: str) -> bool:
    """True for a passage of 8+ words where Welsh words are many and outnumber English ones
    three to one."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 8:
        return False
    welsh = sum(w in _WELSH for w in words)
    english = sum(w in _ENGLISH for w in words)
    return welsh >= 3 and welsh / len(words) >= 0.25 and english * 3 <= welsh


#: Languages the identifier chooses among: English, Welsh, Irish and the languages UK
#: councils most often translate advice into. A smaller set is faster and surer.
LANGUAGES = (
    "ENGLISH", "WELSH", "IRISH", "FRENCH", "GERMAN", "SPANISH", "PORTUGUESE", "ITALIAN",
    "POLISH", "ROMANIAN", "LITHUANIAN", "LATVIAN", "BULGARIAN", "UKRAINIAN", "RUSSIAN",
    "TURKISH", "ARABIC", "PERSIAN", "URDU", "PUNJABI", "BENGALI", "GUJARATI", "HINDI",
    "TAMIL", "CHINESE", "SOMALI",
)  # fmt: skip
_NAMES = {
    "en": "English", "cy": "Welsh", "ga": "Irish", "fr": "French", "de": "German",
    "es": "Spanish", "pt": "Portuguese", "it": "Italian", "pl": "Polish", "ro": "Romanian",
    "lt": "Lithuanian", "lv": "Latvian", "bg": "Bulgarian", "uk": "Ukrainian", "ru": "Russian",
    "tr": "Turkish", "ar": "Arabic", "fa": "Persian", "ur": "Urdu", "pa": "Punjabi",
    "bn": "Bengali", "gu": "Gujarati", "hi": "Hindi", "ta": "Tamil", "zh": "Chinese",
    "so": "Somali",
}  # fmt: skip
#: A passage needs this many words for a sure answer.
SURE_WORDS = 12
#: And the identifier this confident in one language.
SURE_CONFIDENCE = 0.95


@cache
def _detector() -> LanguageDetector:
    languages = [getattr(Language, name) for name in LANGUAGES if hasattr(Language, name)]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def identify_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is surely in, or None when the passage is
    too short (under :data:`SURE_WORDS` words) or the identifier is not sure."""
    if len(_ANY_WORD.findall(text)) < SURE_WORDS:
        return None
    best = _detector().compute_language_confidence_values(text)[0]
    if best.value < SURE_CONFIDENCE:
        return None
    return best.language.iso_code_639_1.name.lower()


#: Letters of the right-to-left scripts councils publish in: Hebrew, and Arabic (used for
#: Arabic, Urdu, Persian, Pashto, Kurdish Sorani), with its supplements and presentation forms.
_RTL = re.compile(
    r"[\u0590-\u05ff\ufb1d-\ufb4f]|[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"
)
_HEBREW = re.compile(r"[\u0590-\u05ff\ufb1d-\ufb4f]")
_LETTER = re.compile(r"[^\W\d_]")
#: A passage is right-to-left when it has this many such letters, making most of its letters.
RTL_LETTERS = 20


def rtl_script(text: str) -> str | None:
    """ "Arabic" or "Hebrew" when ``text`` is mostly (> 50 % of its letters, at least
    :data:`RTL_LETTERS`) in that right-to-left script, else None (a name or a word in
    Arabic inside an English sentence is no passage)."""
    rtl = _RTL.findall(text)
    if len(rtl) < RTL_LETTERS or len(rtl) * 2 <= len(_LETTER.findall(text)):
        return None
    hebrew = sum(1 for ch in rtl if _HEBREW.match(ch))
    return "Hebrew" if hebrew * 2 > len(rtl) else "Arabic"


def _primary(lang: str) -> str:
    return lang.strip().lower().split("-")[0]


@register(META)
async def check_language(page: Page, ctx: CheckContext) -> list[Finding]:
    """Missing/malformed page lang (violation); unmarked Welsh passages (review)."""
    info = await evaluate(
        page,
        """() => {
          const rv = window.__rv;
          const blocks = [];
          const sel = 'p, li, h1, h2, h3, h4, h5, h6, td, th, blockquote, label, legend, dd';
          for (const el of Array.from(document.body ? document.body.querySelectorAll(sel) : [])
                 .slice(0, 2000)) {
            if (!rv.visible(el)) continue;
            const langEl = el.closest('[lang]');
            const lang = langEl ? langEl.getAttribute('lang') : '';
            const dirEl = el.closest('[dir]');
            const dir = dirEl ? dirEl.getAttribute('dir').trim().toLowerCase() : '';
            blocks.push(Object.assign(rv.describe(el),
              {text: el.innerText.slice(0, 1000), lang, dir,
               direction: getComputedStyle(el).direction}));
          }
          const html = document.documentElement;
          return {lang: html.getAttribute('lang'), html: html.outerHTML.slice(0, 120),
                  blocks};
        }""",
    )
    findings: list[Finding] = []
    lang = (info["lang"] or "").strip()
    if not lang or not _VALID_LANG.match(lang):
        problem = "does not say which language it is in" if not lang else f"has lang='{lang}'"
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector="html",
                snippet=info["html"],
                message=f"The page {problem}, so screen readers may read it in the wrong language.",
                wcag=["3.1.1"],
            )
        )
    for block in info["blocks"]:
        script = rtl_script(block["text"])
        if script and block["dir"] not in {"rtl", "auto"}:
            findings.append(
                ctx.finding(
                    META,
                    kind="violation",
                    selector=block["selector"],
                    snippet=block["snippet"],
                    message=(
                        f"This passage is written in {script} script, right to left, but "
                        'neither it nor any element around it has dir="rtl", so its '
                        "punctuation, numbers and line order are laid out left to right "
                        "and read in the wrong order."
                    ),
                    wcag=["1.3.2", "3.1.2"],
                    data={"script": script, "dir": block["dir"] or None},
                )
            )
        declared = _primary(block["lang"] or lang)
        found = identify_language(block["text"]) if declared else None
        if found and found != declared:
            findings.append(
                ctx.finding(
                    META,
                    kind="violation",
                    selector=block["selector"],
                    snippet=block["snippet"],
                    message=(
                        f"This passage is in {_NAMES.get(found, found)} but its language is "
                        f"given as '{block['lang'] or lang}', so a screen reader reads it with "
                        f'the wrong pronunciation; mark it lang="{found}".'
                    ),
                    wcag=["3.1.2"],
                    level="AA",
                    data={"identified": found, "declared": declared},
                )
            )
            continue
        if found or block["lang"].lower().startswith("cy") or not looks_welsh(block["text"]):
            continue
        findings.append(
            ctx.finding(
                META,
                kind="review",
                selector=block["selector"],
                snippet=block["snippet"],
                message='This passage looks like Welsh but is not marked lang="cy", so a '
                "screen reader would read it with English pronunciation.",
                wcag=["3.1.2"],
                level="AA",
            )
        )
    return findings
