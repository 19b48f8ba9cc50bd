"""Links identified by colour alone (WCAG 1.4.1, failure F73): a link in a sentence must look
like a link to someone who cannot tell its colour from the text's.

For each link inside running text (a paragraph, list item or cell with more text than the
link), we compare its computed style with its block's: an underline (or overline, a bottom
border, a box-shadow line), a different weight, font or background, or an icon or image in
it, is a cue other than colour. With none of those, a violation when the link's colour has
less than 3:1 contrast with the text around it (WCAG's own threshold in technique G183).
Links in navigation, headers and footers that are not in running text are not judged.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="link-colour",
    title="Links in text do not rely on colour alone",
    wcag=("1.4.1",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Underline links in text (GOV.UK's link styles do), or give them another cue than "
        "colour and at least 3:1 contrast with the surrounding text."
    ),
    reads_only=True,
)

#: WCAG G183: a link distinguished by colour alone needs this contrast with the text.
MIN_CONTRAST = 3.0

_LINKS_JS = """
() => {
  const rv = window.__rv;
  const parse = (c) => {
    const m = (c || '').match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return {r, g, b, a: a === undefined ? 1 : a};
  };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (x, y) => {
    const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p);
    return (a + 0.05) / (b + 0.05);
  };
  const lined = (s) => /underline|overline/.test(s.textDecorationLine) ||
    (parseFloat(s.borderBottomWidth) > 0 && s.borderBottomStyle !== 'none' &&
     (parse(s.borderBottomColor) || {a: 0}).a > 0) ||
    (s.boxShadow && s.boxShadow !== 'none');
  const out = [];
  for (const a of Array.from(document.querySelectorAll('a[href]')).slice(0, 1500)) {
    if (!rv.visible(a) || rv.hiddenFromAT(a)) continue;
    const block = a.closest('p, li, td, dd, blockquote, figcaption');
    if (!block) continue;
    const linkText = (a.textContent || '').replace(/\\s+/g, ' ').trim();
    const blockText = (block.textContent || '').replace(/\\s+/g, ' ').trim();
    if (!linkText || blockText.length < linkText.length + 10) continue;  // not in a sentence
    if (a.querySelector('img, svg, [role="img"]')) continue;
    const s = getComputedStyle(a), t = getComputedStyle(block);
    const inner = Array.from(a.querySelectorAll('*')).map((el) => getComputedStyle(el));
    if (lined(s) || inner.some(lined)) continue;
    if (Math.abs(parseInt(s.fontWeight, 10) - parseInt(t.fontWeight, 10)) >= 300) continue;
    if (s.fontFamily !== t.fontFamily || s.fontStyle !== t.fontStyle) continue;
    const shaded = (parse(s.backgroundColor) || {a: 0}).a > 0;
    if (shaded && s.backgroundColor !== t.backgroundColor) continue;
    const fg = parse(s.color), text = parse(t.color);
    if (!fg || !text || fg.a < 1 || text.a < 1) continue;  // translucent: cannot be sure
    const ratio = contrast(fg, text);
    if (ratio < 3) out.push(rv.describe(a, {ratio: Math.round(ratio * 100) / 100,
                                            colour: s.color, textColour: t.color}));
  }
  return out;
}
"""


@register(META)
async def check_link_colour(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for each link in text with no cue but a colour under 3:1 from the text."""
    return [
        ctx.finding(
            META,
            kind="violation",
            selector=link["selector"],
            snippet=link["snippet"],
            message="This link is not underlined or otherwise marked, and its colour has only "
            f"{link['ratio']}:1 contrast with the text around it (3:1 needed), so people who "
            "cannot tell the colours apart cannot see it is a link.",
            data={"contrast": link["ratio"], "colour": link["colour"], "text": link["textColour"]},
        )
        for link in await evaluate(page, _LINKS_JS)
    ]
