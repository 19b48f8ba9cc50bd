"""Data tables (WCAG 1.3.1): tables of data say which cells are headers, and how.

First each table is classified, as browsers and screen readers do before they announce a
table: ``role="presentation"``/``none`` and tables holding forms, headings, lists or other
tables are layout; a table with header cells, a caption, a summary, ``role="table"``/``grid``,
``thead``, ``scope`` or ``headers`` is data; and so is an unmarked grid of at least three rows
and two columns of short text in every row. Then, for data tables:

- no header cells at all, where the first row is styled as headers (bold or shaded unlike the
  rows below): a violation (the headings are there for the eye only); where it is not, review;
- a complex table (two or more rows of column headers, or header cells spanning columns)
  using neither ``scope`` nor ``headers``: a violation;
- a header cell with no text, other than the top-left corner: a violation;
- a table made only of header cells, rows with different numbers of columns, a data table
  nested in another, or a data table with no caption or other name and no heading just before
  it: review.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="data-tables",
    title="Data tables mark up their header cells",
    wcag=("1.3.1",),
    level="A",
    impact="serious",
    how_to_fix=(
        'Use <th scope="col"> for column headers and <th scope="row"> for row headers, a '
        "<caption> saying what the table shows, and for tables with more than one row of "
        "headers, headers and id attributes; do not use tables for layout."
    ),
    reads_only=True,
)

_TABLES_JS = """
() => {
  const rv = window.__rv;
  const out = [];
  const text = (el) => (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim();
  const tables = Array.from(document.querySelectorAll('table')).slice(0, 200);
  const ownRows = (t) => Array.from(t.rows || []);
  const classify = (t) => {
    const role = (t.getAttribute('role') || '').trim().toLowerCase();
    if (role === 'presentation' || role === 'none') return 'layout';
    if (t.querySelector('form, input:not([type="hidden"]), select, textarea, ' +
                        'h1, h2, h3, h4, h5, h6, ul, ol, iframe')) return 'layout';
    if (t.querySelector('table')) return 'layout';
    if (role === 'table' || role === 'grid' || role === 'treegrid') return 'data';
    if (t.caption || t.tHead || t.getAttribute('summary') ||
        t.querySelector('th, [scope], [headers], col, colgroup')) return 'data';
    const rows = ownRows(t);
    if (rows.length < 3) return 'layout';
    const widths = rows.map((r) => r.cells.length);
    if (Math.min(...widths) < 2) return 'layout';
    const short = Array.from(t.querySelectorAll('td')).every((c) => text(c).length <= 80 &&
      !c.querySelector('img, p, div, table'));
    return short ? 'data' : 'layout';
  };
  const styledAsHeader = (first, next) => {
    if (!first || !next || !first.cells.length || !next.cells.length) return false;
    const a = getComputedStyle(first.cells[0]), b = getComputedStyle(next.cells[0]);
    const bold = (s) => parseInt(s.fontWeight, 10) >= 600;
    const boldCells = Array.from(first.cells).every((c) => {
      const inner = c.querySelector('strong, b');
      return bold(getComputedStyle(c)) || (inner && text(inner) === text(c));
    });
    return (boldCells && !bold(b)) || a.backgroundColor !== b.backgroundColor;
  };
  for (const t of tables) {
    if (!rv.visible(t) || rv.hiddenFromAT(t)) continue;
    const kind = classify(t);
    if (kind !== 'data') continue;
    const rows = ownRows(t);
    if (!rows.length) continue;
    const cells = rows.flatMap((r) => Array.from(r.cells));
    const headers = cells.filter((c) => c.localName === 'th' ||
      ['columnheader', 'rowheader'].includes((c.getAttribute('role') || '').trim()) ||
      c.hasAttribute('scope'));
    const item = rv.describe(t, {issues: []});
    const add = (issue, sure, extra) => item.issues.push(Object.assign({issue, sure}, extra || {}));
    if (!headers.length) {
      add('no-headers', styledAsHeader(rows[0], rows[1]));
    } else {
      if (headers.length === cells.length) add('header-only', false);
      const headerRows = rows.filter((r) => r.cells.length > 1 &&
        Array.from(r.cells).every((c) => c.localName === 'th'));
      const spans = headers.some((c) => c.colSpan > 1);
      const complex = headerRows.length >= 2 || (spans && headers.length !== cells.length);
      const associated = t.querySelector('[scope], [headers]');
      if (complex && !associated) add('complex', true, {headerRows: headerRows.length});
      for (const c of headers) {
        const corner = c.parentElement === rows[0] && c.cellIndex === 0;
        if (!corner && !text(c) && !rv.name(c) && !c.querySelector('img[alt]:not([alt=""])')) {
          add('empty-header', true, {cell: rv.selector(c), cellSnippet: rv.snippet(c)});
          break;
        }
      }
    }
    // Columns each row spans, counting colspans (rowspans make this unreliable: skip those).
    if (!t.querySelector('[rowspan]:not([rowspan="1"])')) {
      const widths = new Set(rows.map((r) => Array.from(r.cells)
        .reduce((n, c) => n + c.colSpan, 0)));
      if (widths.size > 1) add('irregular', false, {widths: Array.from(widths)});
    }
    if (t.parentElement && t.parentElement.closest('table')) add('nested', false);
    const named = t.caption && text(t.caption) || t.getAttribute('aria-label') ||
      t.getAttribute('aria-labelledby') || t.getAttribute('summary');
    let before = t.previousElementSibling;
    let holder = t;
    while (!before && holder.parentElement && holder.parentElement !== document.body) {
      holder = holder.parentElement;
      before = holder.previousElementSibling;
    }
    const headed = before && before.matches('h1, h2, h3, h4, h5, h6, [role="heading"]');
    if (!named && !headed) add('no-caption', false);
    if (item.issues.length) out.push(item);
  }
  return out;
}
"""

_MESSAGES = {
    "no-headers": "This table of data has no header cells, so screen readers cannot say which "
    "column or row a value belongs to.",
    "complex": "This table has more than one level of headers but uses neither scope nor "
    "headers attributes, so screen readers cannot tell which headers belong to each cell.",
    "empty-header": "A header cell in this table is empty, so the cells under it have no "
    "header to be announced with.",
    "header-only": "Every cell in this table is a header cell; if it holds data, mark the "
    "data cells as <td>, and if it is for layout, do not use a table.",
    "irregular": "Rows of this table have different numbers of columns, which confuses "
    "screen readers moving between cells; check no cells are missing.",
    "nested": "This data table sits inside another table; screen readers announce nested "
    "tables badly. Check it needs to be nested.",
    "no-caption": "This data table has no caption and no heading just before it; a "
    "<caption> tells screen reader users what the table is about before they enter it.",
}


@register(META)
async def check_data_tables(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violations for missing, unassociated and empty headers; review for the rest."""
    findings: list[Finding] = []
    for table in await evaluate(page, _TABLES_JS):
        for issue in table["issues"]:
            no_headers_hint = issue["issue"] == "no-headers" and not issue["sure"]
            findings.append(
                ctx.finding(
                    META,
                    kind="violation" if issue["sure"] else "review",
                    selector=issue.get("cell") or table["selector"],
                    snippet=issue.get("cellSnippet") or table["snippet"],
                    impact="moderate" if not issue["sure"] else None,
                    message=_MESSAGES[issue["issue"]]
                    + (
                        ' If it is only for layout, give it role="presentation".'
                        if no_headers_hint
                        else ""
                    ),
                    data={"issue": issue["issue"]},
                )
            )
    return findings
