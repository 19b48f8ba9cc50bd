"""`resident-voice panel …`: commands for the resident panel (samples, imports)."""

from __future__ import annotations

import click


@click.group("panel", help="Resident panel: draw samples, import members.")
def panel_group() -> None:
    pass


COMMANDS = [panel_group]

from panel.import_cli import import_command  # noqa: E402

panel_group.add_command(import_command)
