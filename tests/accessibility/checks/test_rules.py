"""The text rules behind some checks, and the site-level rules, without a browser."""

from __future__ import annotations

from accessibility.checks.autocomplete import purpose_of
from accessibility.checks.language import looks_welsh
from accessibility.checks.link_text import normalise_text
from accessibility.checks.reading_ease import reading_ease
from accessibility.checks.runner import PageAudit
from accessibility.checks.sensory_instructions import sensory_phrases
from accessibility.checks.site import site_findings
from accessibility.findings import Finding, truncate_snippet


def test_welsh_detection() -> None:
    assert looks_welsh("Mae gwybodaeth am y dreth gyngor ar gael yn Gymraeg ac mae croeso i chi.")
    assert not looks_welsh("Put your bins out by 7am on your collection day, with the lids shut.")
    assert not looks_welsh("Croeso")  # too short to judge
    # found on our own survey: short English words that are also Welsh ("i", "am")
    assert not looks_welsh("I do not need it or I am not interested")
    assert looks_welsh(
        "Nid oes gennyf y sgiliau na'r hyder, ac mae angen help arnaf i fynd ar-lein"
    )


def test_sensory_phrases() -> None:
    assert sensory_phrases("Press the button on the right to continue.") == ["button on the right"]
    assert sensory_phrases("The red fields are required.") == ["red fields"]
    assert sensory_phrases("You have the right to appeal. Put glass in the green bin.") == []


def test_autocomplete_purpose() -> None:
    field = {"type": "text", "name": "", "id": "", "label": "Postcode", "legend": ""}
    assert purpose_of(field) == "postal-code"
    assert purpose_of({**field, "label": "What is your date of birth?"}) == "bday"
    assert purpose_of({**field, "label": "Describe the problem"}) is None
    assert purpose_of({**field, "type": "email", "label": "Anything"}) == "email"


def test_reading_ease_orders_plain_and_dense_text() -> None:
    plain, words, _ = reading_ease("We collect your bins every week. Put them out by 7am.")
    dense, _, grade = reading_ease(
        "Notwithstanding the aforementioned provisions, eligibility determinations shall be "
        "predicated upon comprehensive evaluation of remuneration."
    )
    assert words == 11
    assert plain > 80 > 0 > dense
    assert grade > 15


def test_link_text_normalised() -> None:
    assert normalise_text("  Read more…  ") == "read more"
    assert normalise_text("Click HERE »") == "click here"


def test_snippets_are_truncated() -> None:
    assert truncate_snippet("<p>\n  a   b </p>") == "<p> a b </p>"
    assert len(truncate_snippet("<p>" + "x" * 1000 + "</p>")) == 300


def _audit(url: str, title: str, h1: str, links: list[tuple[str, str]]) -> PageAudit:
    return PageAudit(
        url=url,
        status="ok",
        title=title,
        facts={"h1": [h1], "links": [{"text": t, "href": h, "selector": "a"} for t, h in links]},
    )


def test_site_rules_duplicate_titles_and_link_text() -> None:
    audits = [
        _audit("http://x/a", "Council tax", "Pay council tax", [("Apply", "http://x/permit")]),
        _audit("http://x/b", "Council tax", "Council tax bands", [("Apply", "http://x/grant")]),
        _audit("http://x/c", "Bins", "Bins", [("Apply", "http://x/permit")]),
        _audit("http://x/d", "Page 1", "News", []),
        _audit("http://x/e", "Page 1", "News", []),
    ]
    findings = site_findings(audits)
    titles = [f for f in findings if f.rule == "page-title-unique"]
    assert {(f.url, f.kind) for f in titles} == {
        ("http://x/a", "violation"),
        ("http://x/b", "violation"),
        ("http://x/d", "review"),
        ("http://x/e", "review"),
    }
    links = [f for f in findings if f.rule == "link-text-consistent"]
    assert len(links) == 1 and links[0].kind == "review"
    assert links[0].data["destinations"] == ["http://x/grant", "http://x/permit"]


def test_site_rules_quiet_on_a_consistent_site() -> None:
    audits = [
        _audit("http://x/a", "Pay council tax", "Pay council tax", [("Contact", "http://x/c")]),
        _audit("http://x/b", "Bins", "Bins", [("Contact", "http://x/c")]),
    ]
    assert site_findings(audits) == []


def test_finding_to_dict_is_json_shape() -> None:
    finding = Finding(
        rule="r",
        source="axe",
        kind="review",
        wcag=["1.4.3"],
        level="AA",
        impact="serious",
        selector="a",
        snippet="<a>",
        message="m",
        url="http://x/",
    )
    assert finding.to_dict()["wcag"] == ["1.4.3"] and finding.to_dict()["data"] == {}


def test_every_check_is_described_for_a_report() -> None:
    """Reports and the draft statement rely on each check's metadata being complete."""
    import re

    from accessibility.checks import REGISTRY

    assert len(REGISTRY) >= 21
    for check_id, check in REGISTRY.items():
        meta = check.meta
        assert meta.id == check_id and re.fullmatch(r"[a-z]+(-[a-z]+)*", check_id)
        assert meta.wcag or not meta.wcag_failure
        assert all(re.fullmatch(r"[1-4]\.\d{1,2}\.\d{1,2}", c) for c in meta.wcag)
        assert meta.level in {"A", "AA", "AAA"}
        assert meta.impact in {"minor", "moderate", "serious", "critical"}
        assert len(meta.title) > 10 and len(meta.how_to_fix) > 40
        assert not meta.restores_page or meta.mutates_page


def _nav_audit(url: str, hrefs: list[str], *, search: bool = False) -> PageAudit:
    nav = {"label": "Main", "selector": "nav", "links": [{"text": h, "href": h} for h in hrefs]}
    return PageAudit(
        url=url, status="ok", title=url, facts={"h1": [url], "navigation": [nav], "search": search}
    )


def test_site_rule_navigation_order() -> None:
    usual = ["http://x/bins", "http://x/tax", "http://x/contact"]
    audits = [
        _nav_audit("http://x/1", usual),
        _nav_audit("http://x/2", usual),
        # current page dropped from the menu: the shared links keep their order, fine
        _nav_audit("http://x/3", ["http://x/bins", "http://x/contact"]),
        _nav_audit("http://x/4", ["http://x/tax", "http://x/bins", "http://x/contact"]),
    ]
    findings = [f for f in site_findings(audits) if f.rule == "navigation-consistent"]
    assert [(f.url, f.kind, f.wcag) for f in findings] == [("http://x/4", "violation", ["3.2.3"])]


def test_site_rule_multiple_ways() -> None:
    pages = [_nav_audit(f"http://x/{i}", ["http://x/a", "http://x/b"]) for i in range(5)]
    assert [f.rule for f in site_findings(pages)] == ["multiple-ways"]
    assert site_findings(pages[:4]) == []  # too few pages to judge
    pages[3] = _nav_audit("http://x/3", ["http://x/a", "http://x/b"], search=True)
    assert site_findings(pages) == []


def test_readme_lists_every_check() -> None:
    from pathlib import Path

    from accessibility.checks import REGISTRY

    readme = (Path(__file__).parents[3] / "accessibility" / "checks" / "README.md").read_text()
    assert all(f"`{check_id}`" in readme for check_id in REGISTRY)


def test_fixture_site_matches_its_build_script() -> None:
    """The committed pages are what build.py makes: edit PAGES there, then rerun it."""
    import importlib.util
    from pathlib import Path

    site = Path(__file__).parents[2] / "fixtures" / "a11y_site"
    spec = importlib.util.spec_from_file_location("a11y_site_build", site / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    stale = [
        rel
        for rel, text in build.render().items()
        if (site / rel).read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"rerun tests/fixtures/a11y_site/build.py: {stale}"


def test_fake_list_runs() -> None:
    from accessibility.checks.fake_lists import fake_list_run

    assert fake_list_run(["We collect:", "• paper", "• card", "• tins"]) == ("bulleted", 3, 1)
    assert fake_list_run(["1. Fill in the form", "2. Send it", "3) Wait"]) == ("numbered", 3, 0)
    assert fake_list_run(["a) red bins", "b) blue bins"]) == ("numbered", 2, 0)
    # One dash line, an address, numbers that do not count up from 1, mixed bullets: no list.
    assert fake_list_run(["- The waste team"]) is None
    assert fake_list_run(["Waste Services", "Town Hall", "High Street"]) is None
    assert fake_list_run(["2. See above", "5. May is busy"]) is None
    assert fake_list_run(["• paper", "- card"]) is None


def test_best_practice_findings_carry_no_wcag_criterion() -> None:
    from accessibility.checks.registry import is_best_practice
    from accessibility.checks.typography import typography_problems

    assert is_best_practice("typography") and not is_best_practice("headings")
    assert not is_best_practice("color-contrast")  # axe's rules are WCAG rules
    block = {
        "length": 200,
        "lines": 4,
        "block": True,
        "justified": True,
        "capitals": False,
        "italic": True,
        "size": 16.0,
        "lineHeight": 1.5,
        "paragraph": True,
    }
    assert typography_problems(block) == ["justified", "italics"]
    short = {**block, "length": 60, "lineHeight": 1.2, "size": 11.0}
    # Short text: neither justified nor italics nor tight lines matter; size always does.
    assert typography_problems(short) == ["small"]


def test_language_identifier_is_sure_only_on_long_passages() -> None:
    from accessibility.checks.language import identify_language

    welsh = (
        "Mae gwybodaeth am y dreth gyngor ar gael yn Gymraeg. Gallwch chi gysylltu â ni "
        "ar-lein neu dros y ffôn."
    )
    assert identify_language(welsh) == "cy"
    french = "Nous ramassons vos poubelles chaque semaine. Sortez-les avant 7 heures le matin."
    assert identify_language(french) == "fr"
    urdu = (
        "ہم ہر ہفتے آپ کے کوڑے دان جمع کرتے ہیں۔ "
        "براہ کرم اپنے کوڑے دان صبح سات بجے سے پہلے باہر رکھیں۔"
    )
    assert identify_language(urdu) == "ur"
    assert identify_language("Bon courage") is None  # too short to be sure
    assert identify_language("Croeso i Gyngor Sir") is None


def test_best_practice_findings_cost_no_score() -> None:
    from accessibility.scoring import page_score

    def finding(wcag_failure: bool) -> Finding:
        return Finding(
            rule="typography" if not wcag_failure else "headings",
            source="resident-voice",
            kind="violation",
            wcag=[] if not wcag_failure else ["1.3.1"],
            level="AA",
            impact="serious",
            selector="p",
            snippet="<p>",
            message="m",
            url="http://x/",
            wcag_failure=wcag_failure,
        )

    assert page_score([finding(False)]) == 100
    assert page_score([finding(True), finding(False)]) == 95


def test_right_to_left_passages_are_told_from_a_word_in_passing() -> None:
    from accessibility.checks.language import rtl_script

    arabic = "يمكنك الإبلاغ عن صندوق قمامة لم يتم جمعه عبر الإنترنت أو بالاتصال بنا."
    urdu = "اگر ہم آپ کا کوڑے دان خالی کرنا بھول گئے ہیں تو ہمیں بتائیں۔"
    hebrew = "אפשר לדווח על פח שלא רוקן באתר או בטלפון, ונחזור לרוקן אותו."
    assert rtl_script(arabic) == "Arabic"
    assert rtl_script(urdu) == "Arabic"  # Urdu is written in Arabic script
    assert rtl_script(hebrew) == "Hebrew"
    assert rtl_script("To say hello in Arabic, say مرحبا, and in Hebrew שלום.") is None
    assert rtl_script("Put your bins out by 7am on your collection day.") is None
