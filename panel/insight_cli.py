"""`resident-voice panel representativeness` and `panel health`: the panel against the borough."""

from __future__ import annotations

import json
from pathlib import Path

import click

from panel.health import panel_health
from panel.margins import MarginsError, panel_margins, read_margins
from panel.representativeness import representativeness, text_report
from service.cli import CommandError, run_async


@click.command("representativeness", help="Active members against population margins.")
@click.option(
    "--margins",
    "margins_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV dimension,group,population; a dimension may be crossed (age_band×sex, "
    "groups 16-24×female). Default: PANEL_MARGINS_FILE or the demo's.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@run_async
async def representativeness_command(margins_file: Path | None, as_json: bool) -> None:
    try:
        margins = read_margins(margins_file) if margins_file else panel_margins()
    except MarginsError as error:
        raise CommandError(
            "the margins cannot be used:\n  " + "\n  ".join(error.problems)
        ) from None
    report = await representativeness(margins)
    click.echo(json.dumps(report, indent=2) if as_json else text_report(report))


@click.command("health", help="Response rates, contact frequency, joiners and leavers (JSON).")
@run_async
async def health_command() -> None:
    click.echo(json.dumps(await panel_health(), indent=2))
