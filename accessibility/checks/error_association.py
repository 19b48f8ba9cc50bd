"""Error messages are tied to their fields (WCAG 3.3.1, 1.3.1).

When a form comes back with "Enter your postcode" beside a field, a screen reader user on
that field must hear it: the message needs to be referenced from the field (or its
fieldset) by ``aria-describedby`` / ``aria-errormessage``, or sit inside its label. We find
visible error messages (error classes, or text beginning "Error:") next to form fields and
report those that no nearby field points to. The error summary at the top of a GOV.UK form is
a list of links, not a field message, and is left alone.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="error-association",
    title="Error messages are associated with their fields",
    wcag=("3.3.1", "1.3.1"),
    level="A",
    impact="serious",
    how_to_fix=(
        "Give the error message an id and add it to the field's aria-describedby (for a "
        "group of radios or checkboxes, to the fieldset's), as the GOV.UK error message "
        "component does."
    ),
    reads_only=True,
)

_ERRORS_JS = """
() => {
  const rv = window.__rv;
  const FIELD = 'input:not([type="hidden"]), select, textarea';
  const isErrorish = (el) => {
    const cls = (typeof el.className === 'string' ? el.className : '').toLowerCase();
    const byClass = /(^|[\\s_-])(error|invalid)([\\s_-]|$)/.test(cls) &&
                    !/(summary|hint|label|form-group|input|select|textarea|field--)/.test(cls);
    const byText = /^\\s*error\\s*:/i.test(el.textContent || '');
    return byClass || byText;
  };
  const ids = (el, attr) => (el.getAttribute(attr) || '').split(/\\s+/).filter(Boolean);
  const out = [];
  const candidates = Array.from(document.querySelectorAll('p, span, div, strong, li, label'))
    .slice(0, 5000);
  for (const msg of candidates) {
    if (!isErrorish(msg)) continue;
    if (msg.querySelector(FIELD + ', a[href], p, div')) continue;  // containers, summaries
    if (msg.parentElement && isErrorish(msg.parentElement) &&
        !msg.parentElement.querySelector(FIELD)) continue;  // report the outer message once
    if (!rv.visible(msg) || !msg.innerText.trim()) continue;
    // Nearest ancestor (up to 4 levels) that holds form fields: the fields it belongs to.
    let scope = msg.parentElement, fields = [];
    for (let i = 0; scope && i < 4; i++, scope = scope.parentElement) {
      fields = Array.from(scope.querySelectorAll(FIELD));
      if (fields.length) break;
    }
    if (!fields.length) continue;
    const linked = fields.some((f) => {
      const owners = [f, f.closest('fieldset')].filter(Boolean);
      if (owners.some(o => ids(o, 'aria-describedby').concat(ids(o, 'aria-errormessage'))
            .some(id => { const t = document.getElementById(id);
                          return t && (t === msg || t.contains(msg)); }))) return true;
      return Array.from(f.labels || []).some(l => l.contains(msg));
    });
    if (!linked) out.push(rv.describe(msg, {text: msg.innerText.trim().slice(0, 120),
                                            field: rv.selector(fields[0])}));
  }
  return out;
}
"""


@register(META)
async def check_error_association(page: Page, ctx: CheckContext) -> list[Finding]:
    """A visible field error message that no nearby field references is a violation."""
    return [
        ctx.finding(
            META,
            kind="violation",
            selector=error["selector"],
            snippet=error["snippet"],
            message=f"The error message '{error['text']}' is not linked to its field, so "
            "screen reader users on the field do not hear it.",
            data={"field": error["field"]},
        )
        for error in await evaluate(page, _ERRORS_JS)
    ]
