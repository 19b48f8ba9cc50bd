"""`resident-voice survey …`: upload definitions, make links (with QR codes), export, list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from service.cli import CommandError, run_async
from surveys.equality_cli import equality
from surveys.measures_cli import progress_report


@click.group(help="Surveys: definitions, links, exports.")
def survey() -> None:
    pass


@survey.command("list", help="Every survey with its version and response counts.")
@run_async
async def list_command() -> None:
    from surveys.services.definitions_store import list_surveys

    for row in await list_surveys():
        click.echo(
            f"{row['slug']:<28} v{row['current_version']:<3} complete {row['complete']:>6}  "
            f"partial {row['partial']:>5}  {row['title']}"
        )


@survey.command("upload", help="Store a YAML or JSON survey definition (new survey or version).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@run_async
async def upload_command(path: Path) -> None:
    from surveys.definitions import DefinitionError, read_definition_file
    from surveys.services.definitions_store import save_definition

    try:
        data = read_definition_file(path)
        result = await save_definition(data, created_by="cli")
    except DefinitionError as error:
        lines = "\n".join(f"  {issue}" for issue in error.errors)
        raise CommandError(f"{path} is not a valid survey definition:\n{lines}") from None
    what = (
        "unchanged"
        if not (result.created or result.replaced)
        else ("replaced (no responses yet)" if result.replaced else "stored")
    )
    click.echo(f"{result.stored.slug} version {result.stored.version}: {what}.")


@survey.command(
    "links", help="Make single-use links; prints each URL once (tokens are stored hashed)."
)
@click.argument("slug")
@click.option("--count", default=0, type=click.IntRange(0, 100_000), help="Anonymous links.")
@click.option("--member", "members", multiple=True, help="Panel member reference (repeatable).")
@click.option("--expires-days", default=60, type=click.IntRange(1, 366), show_default=True)
@click.option(
    "--qr-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write a PNG and SVG QR code per link here, for letters.",
)
@run_async
async def links_command(
    slug: str, count: int, members: tuple[str, ...], expires_days: int, qr_dir: Path | None
) -> None:
    from panel.services import member_by_reference
    from service.settings import get_settings
    from surveys.services import links, qr
    from surveys.services.errors import SurveyError

    member_ids = []
    for reference in members:
        member = await member_by_reference(reference)
        if member is None:
            raise CommandError(f"no panel member with reference {reference!r}")
        member_ids.append(int(member["id"]))
    if not member_ids and count == 0:
        raise CommandError("ask for at least one link: --count N or --member REF")
    try:
        issued = await links.create_links(
            slug, member_ids=member_ids, count=count, expires_in_days=expires_days
        )
    except SurveyError as error:
        # Paths are member_references[i]: say which --member each problem is about.
        lines = [
            f"--member {members[int(path.split('[')[1].rstrip(']'))]}: {message}"
            if path.startswith("member_references[")
            else f"{path}: {message}"
            for path, message in error.errors
        ]
        raise CommandError("; ".join([error.message, *lines])) from None
    base = get_settings().public_url.rstrip("/")
    if qr_dir is not None:
        qr_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a CLI; nothing else on this loop
    for i, link in enumerate(issued, 1):
        url = base + link.path()
        click.echo(url)
        if qr_dir is not None:
            (qr_dir / f"{slug}-{i:05d}.png").write_bytes(qr.qr_png(url))
            (qr_dir / f"{slug}-{i:05d}.svg").write_bytes(qr.qr_svg(url, title="Survey link"))


@survey.command("export", help="Export responses (pseudonymous) as csv, xlsx, sav or codebook.")
@click.argument("slug")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "sav", "codebook"]), default="csv"
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--version", type=int, default=None)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option(
    "--mode", type=click.Choice(["online", "paper", "phone", "face_to_face"]), default=None
)
@click.option("--include-partial", is_flag=True)
@run_async
async def export_command(
    slug: str,
    fmt: str,
    out: Path,
    version: int | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    mode: str | None,
    include_partial: bool,
) -> None:
    from service import audit
    from surveys.services import exports
    from surveys.services.errors import SurveyError

    try:
        frame, codebook = await exports.export_frame(
            slug,
            exports.ExportFilter(
                version=version,
                since=since.date() if since else None,
                until=until.date() if until else None,
                mode=mode,
                include_partial=include_partial,
            ),
        )
        if fmt != "codebook":
            # As stored: panel references beside every answer, sensitive ones included.
            await audit.record(
                None,
                "export",
                f"survey {slug}",
                detail=f"{fmt}, {len(frame)} rows: as stored (command line), to {out.name}",
            )
        out.write_bytes(exports.render(fmt, frame, codebook))  # noqa: ASYNC240 - a CLI
    except SurveyError as error:
        detail = "; ".join(f"{p}: {m}" for p, m in error.errors)
        raise CommandError(f"{error.message}{': ' + detail if detail else ''}") from None
    if fmt == "csv":
        sibling = out.with_name(out.name.removesuffix(".csv") + ".codebook.json")
        sibling.write_bytes(exports.codebook_json(codebook))
        click.echo(f"Wrote {len(frame)} responses to {out} and the codebook to {sibling}.")
    else:
        click.echo(f"Wrote {len(frame)} responses to {out}.")


@survey.command(
    "invite", help="Invite a recorded sample draw to the survey's current version (sends queued)."
)
@click.argument("slug")
@click.option("--draw", "draw_id", required=True, type=int, help="The sample draw's number.")
@click.option(
    "--minutes", type=click.IntRange(1, 120), default=None, help="Said in the invitation."
)
@run_async
async def invite_command(slug: str, draw_id: int, minutes: int | None) -> None:
    from surveys.services import fieldwork
    from surveys.services.errors import SurveyError

    try:
        result = await fieldwork.invite(slug, draw_id=draw_id, minutes=minutes, created_by="cli")
    except SurveyError as error:
        detail = "; ".join(
            f"{'--draw' if p == 'draw' else ('--minutes' if p == 'minutes' else p)}: {m}"
            for p, m in error.errors
        )
        raise CommandError(f"{error.message}{': ' + detail if detail else ''}") from None
    channels = ", ".join(f"{n} by {c}" for c, n in sorted(result.invited.items()))
    click.echo(
        f"{slug} version {result.version}: {result.total} invited ({channels}); "
        f"{len(result.skipped)} skipped, {len(result.already_invited)} already invited. "
        "Sending is queued for the job worker."
    )
    for reference, reason in result.skipped:
        click.echo(f"  skipped {reference}: {reason}")


COMMANDS = [survey, equality, progress_report]
