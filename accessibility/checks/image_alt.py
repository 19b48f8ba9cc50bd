"""Text alternatives (WCAG 1.1.1, 1.2.2): images say what they show, in words.

axe-core reports images with no ``alt`` at all. What it cannot judge is whether the words are
any good, and that is where most real sites fail:

- ``alt`` that is a file name (``IMG_0042.jpg``, ``bins-hero.png``) or a placeholder
  (``image``, ``photo``, ``picture``, ``graphic``, ``spacer``, ``untitled``): a violation;
  screen readers read it out and it says nothing;
- an image that is the only content of a link or button, with ``alt=""``: the control has no
  name, a violation of 1.1.1 (its alternative must say what the control does);
- ``alt`` repeating the text right next to it in the same link, button or figure: for review
  (screen readers read it twice; ``alt=""`` is better there);
- ``title`` and ``alt`` that say different things: for review;
- a ``<video>`` with no captions track: for review (captions may be burnt in).
"""

from __future__ import annotations

import re

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="image-alt",
    title="Images have text alternatives that say what they show",
    wcag=("1.1.1",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Write alt text that says what the image shows or, in a link or button, what the "
        'control does; use alt="" only for decoration. Never a file name or "image".'
    ),
    reads_only=True,
)

_FILE_NAME = re.compile(
    r"^\S*\.(jpe?g|png|gif|svg|webp|bmp|tiff?|avif|ico)$|^(img|dsc|dscn|pxl|image|photo)[-_ ]?\d+",
    re.IGNORECASE,
)
PLACEHOLDERS = frozenset(
    {
        "alt",
        "alt text",
        "blank",
        "graphic",
        "image",
        "img",
        "photo",
        "photograph",
        "pic",
        "picture",
        "placeholder",
        "spacer",
        "thumbnail",
        "untitled",
        "insert alt text",
        "image description",
        "an image",
        "a picture",
        "a photo",
    }
)

_IMAGES_JS = """
() => {
  const rv = window.__rv;
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const out = {images: [], videos: []};
  const images = document.querySelectorAll('img, input[type="image"], [role="img"][aria-label]');
  for (const img of Array.from(images).slice(0, 1000)) {
    if (!rv.visible(img) || rv.hiddenFromAT(img)) continue;
    const alt = img.localName === 'img' || img.localName === 'input'
      ? img.getAttribute('alt') : img.getAttribute('aria-label');
    const control = img.closest('a[href], button, [role="button"], [role="link"]');
    let controlText = '';
    let controlName = '';
    if (control) {
      const clone = control.cloneNode(true);
      clone.querySelectorAll('img, svg, [role="img"]').forEach((n) => n.remove());
      controlText = norm(clone.textContent);
      controlName = norm(control.getAttribute('aria-label') || '') ||
        (control.getAttribute('aria-labelledby') ? rv.name(control) : '') ||
        norm(control.getAttribute('title') || '');
    }
    const figure = img.closest('figure');
    const caption = figure && figure.querySelector('figcaption');
    out.images.push(rv.describe(img, {
      alt, title: img.getAttribute('title'),
      labelled: img.hasAttribute('aria-label') || img.hasAttribute('aria-labelledby'),
      inControl: !!control,
      otherImages: control ? control.querySelectorAll('img, svg, [role="img"]').length - 1 : 0,
      controlText, controlName,
      caption: caption ? norm(caption.textContent) : '',
    }));
  }
  for (const video of Array.from(document.querySelectorAll('video')).slice(0, 50)) {
    if (!rv.visible(video)) continue;
    const tracks = video.querySelectorAll('track[kind="captions"], track[kind="subtitles"]');
    if (!tracks.length) out.videos.push(rv.describe(video));
  }
  return out;
}
"""


def _norm(text: str | None) -> str:
    return " ".join(re.sub(r"[^\w\s]+", " ", (text or "").lower()).split())


@register(META)
async def check_image_alt(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violations for meaningless or missing-where-needed alt; review for doubtful ones."""
    found = await evaluate(page, _IMAGES_JS)
    findings: list[Finding] = []

    def add(img: dict[str, str], kind: str, message: str, wcag: str = "1.1.1") -> None:
        findings.append(
            ctx.finding(
                META,
                kind=kind,  # type: ignore[arg-type]
                selector=img["selector"],
                snippet=img["snippet"],
                message=message,
                wcag=[wcag],
            )
        )

    for img in found["images"]:
        alt = img["alt"]
        if alt is None:
            continue  # no alt at all: axe-core's image-alt reports it
        text = alt.strip()
        if text and _FILE_NAME.search(text):
            add(
                img,
                "violation",
                f"The alt text '{text}' is a file name, which tells "
                "screen reader users nothing about the image.",
            )
        elif text and _norm(text) in PLACEHOLDERS:
            add(
                img,
                "violation",
                f"The alt text '{text}' only says there is an image, not what it shows.",
            )
        elif not text and img["inControl"] and not img["labelled"]:
            if not img["controlText"] and not img["controlName"] and not img["otherImages"]:
                add(
                    img,
                    "violation",
                    "This image is the only content of a link or button "
                    'but has alt="", so the control has no name: screen readers announce it '
                    "as just 'link' or 'button'. Describe what it does in the alt text.",
                )
        elif text and img["inControl"] and _norm(text) == _norm(img["controlText"]):
            add(
                img,
                "review",
                f"The alt text '{text}' repeats the text beside it in the "
                'same link or button, so screen readers read it twice; alt="" would do.',
            )
        elif text and img["caption"] and _norm(text) == _norm(img["caption"]):
            add(
                img,
                "review",
                f"The alt text '{text}' repeats the figure's caption; "
                'describe the image, or use alt="" if the caption already does.',
            )
        title = (img["title"] or "").strip()
        if text and title and _norm(title) != _norm(text):
            add(
                img,
                "review",
                f"The image's title '{title}' and alt text '{text}' say "
                "different things; people see one and hear the other.",
            )
    for video in found["videos"]:
        add(
            video,
            "review",
            "This video has no captions track; check it has captions "
            "(burnt in, or in the player) for people who cannot hear it.",
            wcag="1.2.2",
        )
    return findings
