"""Identify input purpose (WCAG 1.3.5, AA): personal-data fields carry ``autocomplete``.

Fields asking for the resident's own name, email, phone, address, postcode or date of birth
need the matching autocomplete token so browsers can fill them and assistive tools can label
them. We recognise the purpose from the field's type, name, id and label. When the label
clearly asks for the user's own details and autocomplete is absent or "off", that is a
violation; when the wording suggests someone else's details (a friend, a business), 1.3.5
does not apply and we stay quiet.
"""

from __future__ import annotations

import re

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="autocomplete",
    title="Personal-data fields say what they collect",
    wcag=("1.3.5",),
    level="AA",
    impact="moderate",
    how_to_fix=(
        'Add the right autocomplete value, for example autocomplete="email", "name", '
        '"given-name", "family-name", "tel", "postal-code", "street-address" or "bday".'
    ),
    reads_only=True,
)

#: (purpose token, pattern over label + name + id)
PURPOSES: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"\be-?mail\b", re.I)),
    ("tel", re.compile(r"\b(phone|telephone|mobile)\b", re.I)),
    ("postal-code", re.compile(r"\b(post\s?code|postal[\s_-]?code|zip)\b", re.I)),
    ("given-name", re.compile(r"\b(first|given)[\s_-]?names?\b", re.I)),
    ("family-name", re.compile(r"\b(last|family)[\s_-]?name|surname\b", re.I)),
    ("name", re.compile(r"\bfull[\s_-]?name\b|^\s*(your\s+)?name\s*$", re.I)),
    ("bday", re.compile(r"\b(date[\s_-]of[\s_-]birth|dob|birth[\s_-]?date)\b", re.I)),
    ("street-address", re.compile(r"\b(address[\s_-]?line|street|home address)\b", re.I)),
]
_SOMEONE_ELSE = re.compile(
    r"\b(friend|their|his|her|partner|child|children|landlord|employer|business|company|"
    r"organisation|organization|referee|contact person|agent|other person)\b",
    re.I,
)

_FIELDS_JS = """
() => {
  const rv = window.__rv;
  const out = [];
  const sel = 'input:not([type]), input[type="text"], input[type="email"], input[type="tel"], ' +
              'input[type="date"], input[type="search"], textarea';
  for (const el of Array.from(document.querySelectorAll(sel)).slice(0, 500)) {
    if (rv.hiddenFromAT(el) || el.disabled || el.readOnly || !rv.visible(el)) continue;
    if (el.type === 'search') continue;
    const label = Array.from(el.labels || []).map(l => l.innerText).join(' ');
    const legend = el.closest('fieldset')?.querySelector('legend')?.innerText || '';
    out.push(rv.describe(el, {
      type: el.type, name: el.name || '', id: el.id || '',
      label: (label || rv.name(el)).replace(/\\s+/g, ' ').trim(), legend: legend.trim(),
      autocomplete: (el.getAttribute('autocomplete') || '').trim().toLowerCase(),
    }));
  }
  return out;
}
"""


def purpose_of(field: dict[str, str]) -> str | None:
    """The autocomplete token a field's type/label/name implies, or None if unclear."""
    if field["type"] == "email":
        return "email"
    if field["type"] == "tel":
        return "tel"
    label = field["label"] or field["legend"]
    names = f"{field['name']} {field['id']}".replace("_", " ").replace("-", " ")
    for token, pattern in PURPOSES:
        if pattern.search(label) or (not label and pattern.search(names)):
            return token
    return None


@register(META)
async def check_autocomplete(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for the user's own personal-data field without (or with 'off') autocomplete."""
    findings: list[Finding] = []
    for field in await evaluate(page, _FIELDS_JS):
        if field["autocomplete"] and field["autocomplete"] != "off":
            continue  # a present token's validity is axe's autocomplete-valid rule
        purpose = purpose_of(field)
        if purpose is None:
            continue
        if _SOMEONE_ELSE.search(f"{field['label']} {field['legend']}"):
            continue
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=field["selector"],
                snippet=field["snippet"],
                message=f"This field asks for the user's {purpose.replace('-', ' ')} "
                + (
                    "but turns autocomplete off"
                    if field["autocomplete"]
                    else "but has no autocomplete attribute"
                )
                + f'; add autocomplete="{purpose}" so browsers can fill it in.',
                data={"purpose": purpose},
            )
        )
    return findings
