"""Recall and precision of our checks on the fixture site, per barrier class.

    .venv/bin/python bench/checks_recall.py [--axe]

Serves tests/fixtures/a11y_site on 127.0.0.1 and audits every planted barrier page and every
clean look-alike with *all* our checks on (as a real audit would), in a fresh context each.
The planted barriers and where each finding must point come from the ``BARRIERS`` table of
``tests/accessibility/checks/test_fixture_site.py`` (one source of truth with the tests).
For each barrier class it prints: planted pages found (every barrier planted on the page
reported, with the expected kind, at the expected element) / pages, planted barriers found
/ planted (and how many of those as sure ``violation``s), and the findings of any kind on the
class's clean look-alikes, which must be 0. With ``--axe``, axe-core runs too and its findings
on the clean pages are counted apart. Also prints the median seconds per page.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from accessibility.browser import launch_browser  # noqa: E402
from accessibility.checks.runner import audit_page  # noqa: E402

#: Barrier class → the checks that catch it, and its clean look-alike pages.
CLASSES: dict[str, tuple[set[str], list[str]]] = {
    "keyboard activation": ({"keyboard-activation"}, ["controls/keyboard-activation.html"]),
    "disclosure widgets": ({"disclosure-state"}, ["controls/disclosure.html"]),
    "dialogs": ({"dialog-focus"}, ["controls/dialog-focus.html", "controls/dialog.html"]),
    "tab order": ({"tab-order"}, ["controls/tab-order.html"]),
    "data tables": ({"data-tables"}, ["controls/data-tables.html"]),
    "images": ({"image-alt"}, ["controls/images.html"]),
    "links": ({"link-colour", "link-details", "link-dead"}, ["controls/links.html"]),
    "fake structure (headings, lists, duplicate ids)": (
        {"fake-headings", "fake-lists", "duplicate-ids"},
        ["controls/structure.html"],
    ),
    "typography (best practice)": ({"typography"}, ["controls/typography.html"]),
    "colour-only meaning in forms": ({"colour-meaning"}, ["controls/colour-meaning.html"]),
    "language of parts (and right-to-left without dir)": (
        {"language"},
        ["controls/language-parts.html", "controls/rtl.html"],
    ),
    "messages that disappear by themselves": (
        {"timed-content"},
        ["controls/timed-content.html", "controls/timed-content-recall.html"],
    ),
    "change of context on input": ({"context-change"}, ["controls/context-change.html"]),
    "focus indicator removed (styles and pixels)": (
        {"focus-visible"},
        ["controls/focus-pixels.html"],
    ),
    "carousels and tickers moving on by themselves": (
        {"auto-advance"},
        ["controls/carousel.html"],
    ),
    "animated images (GIF, APNG, WebP)": ({"animated-images"}, ["controls/animated-images.html"]),
    "flashing (general and red)": (
        {"flashing"},
        ["controls/flashing.html", "controls/flashing-red.html"],
    ),
    "earlier checks (keyboard, forms, structure, reflow...)": (
        set(),
        [
            "index.html",
            "controls/article.html",
            "controls/form.html",
            "controls/media.html",
            "controls/widgets.html",
            "controls/click.html",
            "controls/layout.html",
            "govuk/question-page.html",
            "govuk/check-answers.html",
        ],
    ),
}


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _class_of(check: str) -> str:
    for name, (checks, _) in CLASSES.items():
        if check in checks:
            return name
    return next(name for name, (checks, _) in CLASSES.items() if not checks)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--axe", action="store_true", help="run axe-core too")
    args = parser.parse_args()
    table = _load(ROOT / "tests/accessibility/checks/test_fixture_site.py", "fixture_table")
    server = _load(ROOT / "tests/fixtures/a11y_site/server.py", "a11y_site_server")
    planted: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for path, check, kind, where in table.BARRIERS:
        planted[path].append((check, kind, where))
    clean_pages = sorted({p for _, pages in CLASSES.values() for p in pages} | set(table.CLEAN))
    seconds: list[float] = []
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with server.serve_site() as base:
        async with launch_browser() as browser:

            async def audit(path: str):  # type: ignore[no-untyped-def]
                context = await browser.new_context(viewport={"width": 1280, "height": 800})
                try:
                    started = time.perf_counter()
                    result = await audit_page(
                        await context.new_page(), f"{base}/{path}", axe=args.axe
                    )
                    seconds.append(time.perf_counter() - started)
                    return result
                finally:
                    await context.close()

            for path, expected in sorted(planted.items()):
                result = await audit(path)
                by_class: dict[str, list[bool]] = defaultdict(list)
                for check, kind, where in expected:
                    hit = [
                        f for f in result.findings if f.rule == check and f.selector.endswith(where)
                    ]
                    ok = any(f.kind == kind for f in hit)
                    by_class[_class_of(check)].append(ok)
                    row = rows[_class_of(check)]
                    row["planted"] += 1
                    row["found"] += ok
                    row["sure"] += ok and kind == "violation"
                for name, oks in by_class.items():
                    rows[name]["pages"] += 1
                    rows[name]["pages_found"] += all(oks)
            for path in clean_pages:
                result = await audit(path)
                name = next((n for n, (_, pages) in CLASSES.items() if path in pages), None)
                name = name or next(n for n, (checks, _) in CLASSES.items() if not checks)
                ours = [f for f in result.findings if f.source == "resident-voice"]
                rows[name]["clean_pages"] += 1
                rows[name]["clean_findings"] += len(ours)
                rows[name]["clean_axe"] += len(result.findings) - len(ours)
                for f in result.findings:
                    print(f"  on clean {path}: {f.source} {f.rule} {f.kind} {f.selector}")
    header = (
        f"{'barrier class':<56} {'pages':>9} {'barriers':>9} {'sure':>5} {'clean':>6} "
        f"{'clean findings':>14}"
    )
    print(header + (f" {'axe on clean':>12}" if args.axe else ""))
    for name in CLASSES:
        r = rows[name]
        line = (
            f"{name:<56} {r['pages_found']:>4}/{r['pages']:<4} {r['found']:>4}/{r['planted']:<4}"
            f" {r['sure']:>5} {r['clean_pages']:>6} {r['clean_findings']:>14}"
        )
        print(line + (f" {r['clean_axe']:>12}" if args.axe else ""))
    print(
        f"\n{len(seconds)} pages, median {statistics.median(seconds):.2f} s per page (every check"
        f"{' and axe-core' if args.axe else ''}, one page at a time)"
    )


if __name__ == "__main__":
    asyncio.run(main())
