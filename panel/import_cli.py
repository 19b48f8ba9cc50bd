"""`resident-voice panel import`: the command around `panel.imports`."""

from __future__ import annotations

from pathlib import Path

import click

from panel.imports import ImportFileError, import_file, template
from service.cli import CommandError, run_async


@click.command("import", help="Import panel members from a CSV (UTF-8) or .xlsx file.")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--dry-run", is_flag=True, help="Report every problem; change nothing.")
@click.option("--valid-only", is_flag=True, help="Import the valid rows, refuse the others.")
@click.option("--template", "show_template", is_flag=True, help="Print the header row and stop.")
@run_async
async def import_command(
    file: Path | None, dry_run: bool, valid_only: bool, show_template: bool
) -> None:
    if show_template:
        click.echo(template())
        return
    if file is None:
        raise click.UsageError("give a FILE to import, or --template for the header row")
    try:
        result = await import_file(file, dry_run=dry_run, valid_only=valid_only)
    except ImportFileError as error:
        raise CommandError(f"{error}. Nothing was imported.") from None
    for problem in result.problems:
        click.echo(str(problem))
    refused = len(result.refused_rows)
    if dry_run:
        click.echo(
            f"Dry run: {result.rows} rows, {result.rows - refused} valid, {refused} refused; "
            "nothing was changed."
        )
    else:
        nothing = refused and not result.imported
        note = " (no rows imported: fix the problems, or use --valid-only)" if nothing else ""
        click.echo(f"Imported {result.imported} members; refused {refused} rows.{note}")
    raise SystemExit(0 if dry_run and not refused and result.rows else result.exit_code)
