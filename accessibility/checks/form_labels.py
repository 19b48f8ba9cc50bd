"""Form fields have labels (WCAG 1.3.1, 3.3.2, 4.1.2).

A field with no accessible name is announced as just "edit text". A field named only by its
placeholder (which vanishes on typing, and is often too faint) or its title (never shown to
touch or keyboard users) has no visible label. Both are violations. A field named only by
aria-label has a name but no visible label: a person decides whether the context is enough.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="form-labels",
    title="Form fields have visible labels",
    wcag=("1.3.1", "3.3.2", "4.1.2"),
    level="A",
    impact="serious",
    how_to_fix=(
        'Give every field a visible <label for="field-id"> (or a <legend> for a group of '
        "radios or checkboxes). Do not use placeholder text as the label."
    ),
    reads_only=True,
)

_FIELDS_JS = """
() => {
  const rv = window.__rv;
  const out = [];
  const sel = 'input:not([type="hidden"]):not([type="submit"]):not([type="button"])' +
              ':not([type="reset"]):not([type="image"]), select, textarea, ' +
              '[role="textbox"], [role="combobox"], [role="listbox"], [role="spinbutton"]';
  for (const el of Array.from(document.querySelectorAll(sel)).slice(0, 500)) {
    if (rv.hiddenFromAT(el) || el.disabled) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    // Custom radios/checkboxes hide the input itself; its label is what is visible.
    const labels = Array.from(el.labels || []).filter(l => l.innerText.trim());
    const labelledby = (el.getAttribute('aria-labelledby') || '').split(/\\s+/)
      .map(id => id && document.getElementById(id)).filter(n => n && n.textContent.trim());
    const wrapped = el.closest('label');
    // A search box named "Search" beside a visible "Search" button is labelled by the button
    // (WCAG technique G167).
    const form = el.closest('form, [role="search"]');
    const buttons = form ? Array.from(form.querySelectorAll(
      'button, input[type="submit"], input[type="button"], [role="button"]'))
      .filter(b => rv.visible(b)).map(b => rv.name(b).toLowerCase()) : [];
    out.push(rv.describe(el, {
      name: rv.name(el),
      visibleLabel: labels.length > 0 || labelledby.length > 0 || !!(wrapped &&
                    wrapped.innerText.trim()),
      ariaLabel: (el.getAttribute('aria-label') || '').trim(),
      buttons,
      placeholder: (el.getAttribute('placeholder') || '').trim(),
      title: (el.getAttribute('title') || '').trim(),
    }));
  }
  return out;
}
"""


def _named_by_button(label: str, buttons: list[str]) -> bool:
    """Is the field's hidden name the visible text of a button beside it ("Search")?"""
    wanted = label.strip().lower()
    return any(b and (b in wanted or wanted in b) for b in buttons)


@register(META)
async def check_form_labels(page: Page, ctx: CheckContext) -> list[Finding]:
    """No name, or a name only from placeholder/title: violation; aria-label only: review."""
    findings: list[Finding] = []
    for field in await evaluate(page, _FIELDS_JS):
        if field["visibleLabel"]:
            continue
        if not field["name"]:
            kind, message = (
                "violation",
                (
                    "This form field has no label, so screen reader users are not told what to "
                    "enter."
                ),
            )
        elif field["ariaLabel"] and _named_by_button(field["ariaLabel"], field["buttons"]):
            continue
        elif field["ariaLabel"]:
            kind, message = (
                "review",
                (
                    f"This field is named only by aria-label ('{field['ariaLabel'][:60]}'), which "
                    "sighted users cannot see; check the visible text makes clear what to enter."
                ),
            )
        elif field["placeholder"] or field["title"]:
            source = "placeholder" if field["placeholder"] else "title"
            kind, message = (
                "violation",
                (
                    f"This field has no visible label, only {source} text "
                    f"('{(field['placeholder'] or field['title'])[:60]}'), which disappears or "
                    "is never shown; add a visible label."
                ),
            )
        else:
            kind, message = (
                "review",
                (
                    "This field's name does not come from a visible label; check that people can "
                    "see what to enter."
                ),
            )
        findings.append(
            ctx.finding(
                META,
                kind=kind,  # type: ignore[arg-type]
                selector=field["selector"],
                snippet=field["snippet"],
                message=message,
            )
        )
    return findings
