"""`resident-voice panel sample` and `panel replay`: the commands around `panel.sampling`."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from panel.contact_rules import RulesError, panel_rules, read_rules_file
from panel.margins import MarginsError, canonical, is_dimension, read_margins
from panel.sampling import METHODS, DrawRequest, DrawResult, SampleError, read_quotas, replay_draw
from panel.services import PROFILE_COLUMNS
from service.cli import CommandError, run_async

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _dimensions(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    for value in values:
        if not is_dimension(value):
            raise click.BadParameter(
                f"{value!r} is not one of {', '.join(PROFILE_COLUMNS)} "
                "(or a cross-classification of them, such as age_band×sex)"
            )
    return tuple(canonical(v) for v in values)


@click.command("sample", help="Draw a sample of panel members and record the draw.")
@click.option("--size", type=click.IntRange(min=1), required=True, help="How many members to draw.")
@click.option("--quota", "quota_file", type=_FILE, help="Quotas: CSV dimension,group,min,max.")
@click.option(
    "--rules", "rules_file", type=_FILE, help="Contact rules for this draw (TOML or JSON)."
)
@click.option(
    "--seed", type=click.IntRange(min=1, max=2**31 - 1), help="Seed, to reproduce a draw."
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    help="random, stratified or quota (default: quota with --quota, stratified with --stratify, "
    "else random).",
)
@click.option(
    "--stratify",
    multiple=True,
    callback=_dimensions,
    help=f"Stratify by this dimension ({', '.join(PROFILE_COLUMNS)}, or a cross-classified one "
    "such as age_band×sex from the margins); repeat for several (strata are then their "
    "combinations).",
)
@click.option("--margins", "margins_file", type=_FILE, help="Population margins for --stratify.")
@click.option("--json", "as_json", is_flag=True, help="Print the draw as one JSON document.")
@run_async
async def sample_command(
    size: int,
    quota_file: Path | None,
    rules_file: Path | None,
    seed: int | None,
    method: str | None,
    stratify: tuple[str, ...],
    margins_file: Path | None,
    as_json: bool,
) -> None:
    from panel.sampling import draw_sample

    method = method or ("quota" if quota_file else "stratified" if stratify else "random")
    try:
        rules = read_rules_file(rules_file) if rules_file else panel_rules()
        request = DrawRequest(
            size=size,
            rules=rules,
            method=method,
            quotas=read_quotas(quota_file) if quota_file else [],
            stratify=list(stratify),
            margins=read_margins(margins_file) if method == "stratified" else None,
            seed=seed,
            created_by=f"command line ({getpass.getuser()})",
        )
        result = await draw_sample(request)
    except (SampleError, MarginsError) as error:
        raise CommandError(
            "no sample drawn, nothing recorded:\n  " + "\n  ".join(error.problems)
        ) from None
    except RulesError as error:
        raise CommandError(f"{error}. No sample drawn.") from None
    if as_json:
        click.echo(json.dumps(result.document(), indent=2))
        for problem in result.shortfalls:  # stdout stays the one JSON document
            click.echo(f"margin not met exactly: {problem}", err=True)
    else:
        click.echo(summary(result))


def summary(result: DrawResult) -> str:
    lines = [
        f"Draw {result.draw_id}: {len(result.drawn):,} of {result.eligible:,} eligible members, "
        f"method {result.method}, seed {result.seed}.",
        f"Replay it with: resident-voice panel replay {result.draw_id}",
    ]
    for quota in result.against_quotas():
        lines.append(
            f"  {quota['dimension']}={quota['group']}: {quota['drawn']:,} drawn "
            f"(min {quota['min']:,}, max {quota['max']:,})"
        )
    for stratum in result.against_strata():
        lines.append(
            f"  {stratum['dimension']}={stratum['group']}: {stratum['drawn']:,} drawn "
            f"(target {stratum['target']:,})"
        )
    if result.shortfalls:
        lines.append("Margins the strata could not meet exactly (the nearest was drawn):")
        lines.extend(f"  {problem}" for problem in result.shortfalls)
    if result.excluded:
        lines.append("Not eligible:")
        lines.extend(f"  {reason}: {count:,}" for reason, count in result.excluded.items())
    return "\n".join(lines)


@click.command("replay", help="Run a recorded draw again and show it gives the same people.")
@click.argument("draw_id", type=int)
@run_async
async def replay_command(draw_id: int) -> None:
    try:
        replay = await replay_draw(draw_id)
    except KeyError:
        raise CommandError(f"there is no draw {draw_id}") from None
    if replay.same:
        click.echo(f"Draw {draw_id} replayed: the same {len(replay.recorded):,} members, in order.")
        return
    differ = len(set(replay.recorded) ^ set(replay.again))
    raise CommandError(f"draw {draw_id} replayed differently: {differ} members differ")
