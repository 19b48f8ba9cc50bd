"""The `resident-voice` command: one entry point for every domain's commands.

Errors a person can fix (a bad DATABASE_URL, a database that is down, no Chromium) end in one
line saying what is wrong and how to fix it, and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import sys
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

T = TypeVar("T")


class CommandError(click.ClickException):
    """A failure with a message for people; click prints `Error: ...` and exits 1."""


def _friendly(error: BaseException) -> str | None:
    """Turn the errors people cause into one line; None for genuine bugs."""
    import sqlite3

    from pydantic import ValidationError

    from service.db import DatabaseURLError, describe
    from service.settings import get_settings

    if isinstance(error, DatabaseURLError):
        return str(error)
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        name = ".".join(str(p) for p in first["loc"]).upper()
        return f"setting {name} is invalid: {first['msg']}"
    reachability = (
        isinstance(error, OSError | sqlite3.OperationalError)
        and not isinstance(error, BrokenPipeError)
    ) or type(error).__module__.startswith("asyncpg")
    if reachability:
        try:
            url = describe(get_settings().database_url)
        except Exception:
            url = "DATABASE_URL"
        return (
            f"cannot reach the database at {url}: {error}. Check DATABASE_URL and that the "
            "database server is running."
        )
    return None


async def close_database() -> None:
    """Close this loop's database connections (and the job queue's) so the process can exit."""
    jobs_module = sys.modules.get("service.jobs")
    if jobs_module is not None:
        await jobs_module.close()
    engine = getattr(sys.modules.get("piccolo_conf"), "DB", None)
    if engine is not None:
        from service.db import close

        await close(engine)


def run_async[T](fn: Callable[..., Awaitable[T]]) -> Callable[..., T]:
    """Run an async command body, translating known failures into one-line errors."""

    async def body(*args: Any, **kwargs: Any) -> T:
        try:
            return await fn(*args, **kwargs)
        finally:
            await close_database()

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return asyncio.run(body(*args, **kwargs))
        except click.ClickException:
            raise
        except Exception as error:
            message = _friendly(error)
            if message is None:
                raise
            raise CommandError(message) from None

    return wrapper


@click.group(help="Resident Voice: resident panel, surveys, equalities and accessibility audits.")
def main() -> None:
    pass


@main.command(help="Apply database migrations.")
@run_async
async def migrate() -> None:
    from service.migrations import migrate as do_migrate

    ran = await do_migrate()
    click.echo(f"Applied {len(ran)} migration(s)." if ran else "Database is up to date.")
    from service import jobs

    if jobs.engine_name() == "saq":
        from service.jobs import saq_engine

        await saq_engine.queue()  # makes (or upgrades) SAQ's own tables
        click.echo("Job queue (SAQ) is ready.")


@main.command(help="Migrate if needed, then serve the web app.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def run(host: str, port: int, workers: int) -> None:
    import uvicorn

    migrate.callback()  # type: ignore[misc]
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
        proxy_headers=False,
    )


@main.command(help="Load demo data: a believable council with panel members, surveys, staff.")
@click.option("--base-url", default=None, help="Address printed in demo links.")
@run_async
async def demo(base_url: str | None) -> None:
    from service.demo import load_demo

    await load_demo(click.echo, base_url)


@main.command(help="Check the database, migrations, GOV.UK Frontend and Chromium.")
@run_async
async def check() -> None:
    from service.checks import run_checks

    problems = await run_checks(click.echo)
    if problems:
        raise CommandError(f"{problems} problem(s) found; see above")


@main.group(help="Staff accounts.")
def user() -> None:
    pass


def _role_choice() -> click.Choice:
    from service.roles import Role

    return click.Choice([r.value for r in Role])


@user.command("create", help="Create a staff account. Prints a generated password once.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=_role_choice())
@click.option(
    "--password", default=None, help="Omit to generate one (read it from the output once)."
)
@run_async
async def user_create(email: str, name: str, role: str, password: str | None) -> None:
    from service.accounts import AccountError, create_user

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        await create_user(email, name, role, password)
    except AccountError as error:
        raise CommandError(f"{error.field}: {error.message}") from None
    click.echo(f"Created {role} account for {email.lower()}.")
    if generated:
        click.echo(f"Password (shown once): {password}")


@user.command(
    "reset-password",
    help="Set a new generated password for a staff account; its sessions end everywhere.",
)
@click.option("--email", required=True)
@run_async
async def user_reset_password(email: str) -> None:
    from service.accounts import AccountError, set_password

    password = secrets.token_urlsafe(12)
    try:
        await set_password(email, password)
    except AccountError as error:
        raise CommandError(f"{error.field}: {error.message}") from None
    click.echo(f"New password for {email.lower()} (shown once): {password}")


@user.command("disable", help="Disable a staff account; its sessions end everywhere.")
@click.option("--email", required=True)
@run_async
async def user_disable(email: str) -> None:
    from service.accounts import AccountError, set_active

    try:
        await set_active(email, False)
    except AccountError as error:
        raise CommandError(f"{error.field}: {error.message}") from None
    click.echo(f"Disabled {email.lower()}; its sessions have ended.")


@user.command("enable", help="Enable a disabled staff account (old sessions stay ended).")
@click.option("--email", required=True)
@run_async
async def user_enable(email: str) -> None:
    from service.accounts import AccountError, set_active

    try:
        await set_active(email, True)
    except AccountError as error:
        raise CommandError(f"{error.field}: {error.message}") from None
    click.echo(f"Enabled {email.lower()}.")


@main.group(help="Background jobs.")
def jobs() -> None:
    pass


@jobs.command("run", help="Run every due job now, then exit.")
@run_async
async def jobs_run() -> None:
    from service.jobs import run_until_empty

    click.echo(f"Ran {await run_until_empty()} job(s).")


@main.command(help="Back up the database (DATABASE_URL) to a new file PATH.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@run_async
async def backup(path: Path) -> None:
    from service.backup import BackupError
    from service.backup import backup as do_backup
    from service.settings import get_settings

    try:
        outcome = await do_backup(get_settings().database_url, path)
    except BackupError as error:
        raise CommandError(str(error)) from None
    click.echo(f"Backed up {outcome.tables} table(s), {outcome.rows} row(s) to {outcome.path}.")


@main.command(
    help="Replace the database (DATABASE_URL) with the backup at PATH, all or nothing. "
    "Stop the service first. Refuses a database that holds data unless --force."
)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@run_async
async def restore(path: Path, force: bool) -> None:
    from service.backup import BackupError
    from service.backup import restore as do_restore
    from service.settings import get_settings

    try:
        outcome = await do_restore(get_settings().database_url, path, force=force)
    except BackupError as error:
        raise CommandError(str(error)) from None
    click.echo(
        f"Restored {outcome.tables} table(s), {outcome.rows} row(s) from {outcome.path}. "
        "Run `resident-voice migrate` if the backup came from an older version."
    )


@main.command(help="Run background jobs until stopped; start one on each worker machine.")
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Jobs run side by side in this process.",
)
def worker(concurrency: int) -> None:
    """SAQ workers on PostgreSQL; the job table's worker on SQLite (then set RUN_WORKER=false
    on the web processes, or they run jobs too, which is safe but not needed)."""
    from service import jobs

    engine = jobs.engine_name()
    click.echo(f"Worker: engine {engine}, concurrency {concurrency}. Stop with Ctrl-C.")

    async def work() -> None:
        if engine == "saq":
            from service.jobs import saq_engine

            await saq_engine.run_worker(concurrency)
            return
        table_worker = jobs.Worker(concurrency=concurrency)
        table_worker.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        import signal

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await stop.wait()
        finally:
            await table_worker.stop()

    run_async(work)()


def _register_domain_commands() -> None:
    from service import domains

    for command in domains.commands():
        main.add_command(command)


def entry() -> None:
    # Piccolo warns in colour about connection failures; our one-line error says it better.
    warnings.filterwarnings("ignore", module=r"piccolo\..*")
    warnings.filterwarnings("ignore", module=r"service\.cli")
    try:
        _register_domain_commands()
    except Exception as error:
        message = _friendly(error)
        if message is None:
            raise
        click.echo(f"Error: {message}", err=True)
        sys.exit(1)
    main()


__all__ = ["CommandError", "entry", "main", "run_async"]
