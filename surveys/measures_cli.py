"""`resident-voice progress-report`: the strategy measures for a period, as HTML or PDF.

A thin wrapper: values come from `surveys.services.measures`, status, trend and the page from
`analysis.measures`. A measure that cannot be reported (bad definition, no data, question
gone) is listed in the report with the reason; the rest still render.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import click

from service.cli import CommandError, run_async


@click.command("progress-report", help="Write the strategy measures progress report.")
@click.option("--period", required=True, metavar="2026-H2", help="Year, half (H1/H2) or quarter.")
@click.option(
    "--audience", type=click.Choice(["cabinet", "management"]), default="cabinet", show_default=True
)
@click.option(
    "--measures",
    "measures_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Measures YAML (default: the MEASURES_FILE setting, else the shipped set, "
    "analysis/measures/measures.yaml); targets and measures set on the staff page are added "
    "to it.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="report.html or report.pdf",
)
@run_async
async def progress_report(
    period: str, audience: str, measures_file: Path | None, output: Path
) -> None:
    import analysis
    from analysis import measures as m
    from analysis.measures.report import render_html
    from surveys.services.measures import build_results
    from surveys.services.measures_store import effective_measures

    started = time.perf_counter()
    suffix = output.suffix.lower()
    if suffix not in (".html", ".pdf"):
        raise CommandError(f"--output {output.name!r} must end in .html or .pdf")
    try:
        the_period = m.Period.parse(period)
        definitions = await effective_measures(measures_file)
    except analysis.AnalysisError as error:
        raise CommandError(f"--period/--measures: {error}") from None
    results = await build_results(the_period, definitions)
    html = render_html(results, period=the_period.label, audience=audience)
    if suffix == ".pdf":
        from equality.report import print_pdf  # imported late: the CLI starts faster

        await asyncio.to_thread(print_pdf, html, output)
    else:
        await asyncio.to_thread(output.write_text, html, encoding="utf-8")
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    click.echo(
        f"Wrote {output}: {len(results)} measures ({summary}) "
        f"in {time.perf_counter() - started:.2f} s."
    )
    for r in results:
        for problem in r.measure.problems:
            click.echo(f"  {r.measure.id or '(no id)'}: {problem}", err=True)
