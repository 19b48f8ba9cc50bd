"""`resident-voice panel postcodes`: set members' ward and IMD quintile from the lookup."""

from __future__ import annotations

from pathlib import Path

import click

from panel.lookups import PostcodeLookupError, apply_lookup, read_lookup
from service.cli import CommandError, run_async


@click.command("postcodes", help="Set members' ward and deprivation quintile from postcode.")
@click.option(
    "--lookup",
    "lookup_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV postcode,ward,imd_quintile (default: PANEL_POSTCODE_LOOKUP_FILE or the demo's).",
)
@run_async
async def postcodes_command(lookup_file: Path | None) -> None:
    try:
        lookup = read_lookup(lookup_file)
    except PostcodeLookupError as error:
        raise CommandError("the lookup cannot be used:\n  " + "\n  ".join(error.problems)) from None
    report = await apply_lookup(lookup)
    for reference, postcode in report.unknown:
        click.echo(f"{reference}: postcode {postcode or '(blank)'} is not in the lookup")
    click.echo(
        f"Checked {report.checked:,} members: {report.updated:,} updated, "
        f"{len(report.unknown):,} with a postcode not in the lookup (ward left blank)."
    )
    raise SystemExit(1 if report.unknown else 0)
