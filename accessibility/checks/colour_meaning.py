"""Meaning carried by colour alone in forms (WCAG 1.4.1, failure F81).

A form that shows which fields are required, or which have an error, only by turning their
label or border red tells nothing to people who cannot tell red from the colour around it, or
to screen reader users. We compare each field with the form's other fields: a field whose
label or border is red (hue within 25° of red, saturated) while another field's is not, is
marked by colour (every field red is the form's style). Sure (violation) when it has no
other cue: no text in the label saying "required"/"optional"/"*"/"error", no icon, no
different border width or style, not ``aria-invalid="true"``, no ``aria-describedby`` (its
own or its fieldset's) pointing at visible text, no error-summary link to it, no such words
in its fieldset or form group.
"""

from __future__ import annotations

import re

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="colour-meaning",
    title="Required fields and errors are not shown by colour alone",
    wcag=("1.4.1",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Say it in words as well as colour: '(required)' or '(optional)' in the label, and an "
        'error message beside the field linked with aria-describedby and aria-invalid="true".'
    ),
    reads_only=True,
)

#: Words (English and Welsh) and symbols that carry the meaning in text.
_TEXT_CUE = re.compile(
    r"\*|required|optional|mandatory|must|error|invalid|gofynnol|dewisol|gwall", re.IGNORECASE
)

_FIELDS_JS = """
() => {
  const rv = window.__rv;
  if (!document.body) return [];
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  // Red: hue within 25 degrees of 0, saturated, not too dark or light.
  const red = (c) => {
    const [r, g, b, a] = rgb(c);
    if (a === 0) return false;
    const max = Math.max(r, g, b), min = Math.min(r, g, b);
    if (max < 90 || max - min < 80) return false;
    let h = 0;
    if (max === r) h = ((g - b) / (max - min)) * 60;
    else return false;
    h = (h + 360) % 360;
    return h <= 25 || h >= 335;
  };
  const out = [];
  const fields = Array.from(document.querySelectorAll(
    'input:not([type="hidden"]):not([type="submit"]):not([type="button"]):not([type="reset"])' +
    ':not([type="image"]), select, textarea')).slice(0, 500);
  const info = fields.filter((f) => rv.visible(f) && !rv.hiddenFromAT(f)).map((f) => {
    const label = (f.labels && f.labels[0]) || null;
    const fs = getComputedStyle(f);
    const ls = label ? getComputedStyle(label) : null;
    // Descriptions of the field, or of the group (fieldset) it is in, as GOV.UK's date input.
    const owners = [f, ...Array.from(document.querySelectorAll('fieldset[aria-describedby], ' +
      '[role="group"][aria-describedby]')).filter((g) => g.contains(f))];
    const described = owners.flatMap((o) => (o.getAttribute('aria-describedby') || '')
      .trim().split(/\\s+/)).filter(Boolean).map((id) => document.getElementById(id))
      .filter((el) => el && rv.visible(el) && (el.textContent || '').trim());
    const group = f.closest('fieldset, [role="group"], .govuk-form-group, .form-group');
    // An error summary's link to the field says what is wrong with it.
    const linked = !!f.id && Array.from(document.querySelectorAll('a[href^="#"]'))
      .some((a) => a.getAttribute('href') === '#' + f.id && rv.visible(a));
    return {
      f, label,
      labelRed: !!ls && red(ls.color),
      borderRed: red(fs.borderTopColor) && parseFloat(fs.borderTopWidth) > 0,
      border: fs.borderTopWidth + ' ' + fs.borderTopStyle,
      labelText: label ? label.innerText : '',
      icon: !!(label && label.querySelector('img, svg, [class*="icon"]')),
      invalid: f.getAttribute('aria-invalid') === 'true',
      described: described.length > 0 || linked,
      groupText: group ? group.innerText : '',
    };
  });
  if (info.length < 2) return [];
  const common = (key) => {
    // Every field has it: it is the form's style, not a mark.
    return info.every((i) => i[key]);
  };
  const usualBorder = new Map();
  for (const i of info) usualBorder.set(i.border, (usualBorder.get(i.border) || 0) + 1);
  const border = [...usualBorder.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const labelsRed = common('labelRed'), bordersRed = common('borderRed');
  for (const i of info) {
    const by = [];
    if (i.labelRed && !labelsRed) by.push('label');
    if (i.borderRed && !bordersRed) by.push('border');
    if (!by.length) continue;
    out.push(rv.describe(i.f, {
      by, labelText: i.labelText.replace(/\\s+/g, ' ').trim(), icon: i.icon,
      invalid: i.invalid, described: i.described, shape: i.border !== border,
      groupText: i.groupText.replace(/\\s+/g, ' ').trim().slice(0, 500),
    }));
  }
  return out;
}
"""


@register(META)
async def check_colour_meaning(page: Page, ctx: CheckContext) -> list[Finding]:
    """One violation per field marked out in red with no cue besides the colour."""
    findings: list[Finding] = []
    for field in await evaluate(page, _FIELDS_JS):
        if field["icon"] or field["invalid"] or field["described"] or field["shape"]:
            continue
        if _TEXT_CUE.search(field["labelText"]) or _TEXT_CUE.search(field["groupText"]):
            continue
        what = " and ".join(f"its {part}" for part in field["by"])
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=field["selector"],
                snippet=field["snippet"],
                message=(
                    f"This field is marked out by colour alone ({what} in red, unlike the other "
                    "fields) with no words, icon or aria-invalid/aria-describedby saying why; "
                    "people who cannot see the red, and screen reader users, miss it."
                ),
                data={"marked_by": field["by"]},
            )
        )
    return findings
