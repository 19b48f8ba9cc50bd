"""`resident-voice equality report`: from a survey to a finished EqIA evidence report.

A thin wrapper: it loads the survey's responses through the surveys domain
(`analysis.aload`) and hands them to `equality.pipeline`; all the statistics
and the disclosure control live in `equality`.
"""

from __future__ import annotations

from pathlib import Path

import click

from service.cli import CommandError, run_async


@click.group(help="Equalities impact evidence (EqIA reports).")
def equality() -> None:
    pass


@equality.command("report", help="Write the EqIA evidence report for one survey outcome.")
@click.argument("survey")
@click.option(
    "--outcome",
    required=True,
    metavar="QUESTION=LEVEL[,LEVEL...]",
    help="The outcome: answered one of these levels (codes or labels).",
)
@click.option(
    "--characteristics",
    default=None,
    metavar="NAME[,NAME...]",
    help="Catalogue names or columns (default: every characteristic the survey has).",
)
@click.option(
    "--weight-to",
    "weight_to",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Margins CSV (dimension,group,population) to rake the responses to.",
)
@click.option("--min-n", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--round-to", default=None, type=click.IntRange(1, 100), help="Round counts.")
@click.option("--title", default=None, help="Report title.")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="report.html or report.pdf",
)
@run_async
async def report_command(
    survey: str,
    outcome: str,
    characteristics: str | None,
    weight_to: Path | None,
    min_n: int,
    round_to: int | None,
    title: str | None,
    output: Path,
) -> None:
    import analysis
    from equality import EqualityError
    from equality.pipeline import build, parse_outcome, report
    from equality.representativeness import MarginsError, read_margins

    try:
        question, levels = parse_outcome(outcome)
        if output.suffix.lower() not in (".html", ".pdf"):
            raise EqualityError(f"--output {output.name!r} must end in .html or .pdf")
        margins = read_margins(weight_to) if weight_to else None
        frame = await analysis.aload(survey)
        if frame.empty:
            raise EqualityError(f"survey {survey!r} has no responses yet")
        names = [c.strip() for c in characteristics.split(",")] if characteristics else None
        evidence = build(
            frame,
            (question, levels),
            characteristics=names,
            margins=margins,
            min_n=min_n,
            round_to=round_to,
        )
        path = report(evidence, output, title=title)
    except (EqualityError, MarginsError, analysis.AnalysisError) as error:
        raise CommandError(str(error)) from None
    counts = evidence.assessment.summary()
    adverse = int(counts["likely adverse impact"].sum()) if not counts.empty else 0
    click.echo(
        f"Wrote {path}: {len(evidence.assessment.findings)} groups, {adverse} likely adverse "
        f"impact(s); {len(evidence.assessment.gaps)} evidence gap(s)."
    )
