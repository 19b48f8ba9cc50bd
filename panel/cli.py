"""`resident-voice panel …`: commands for the resident panel (samples, imports)."""

from __future__ import annotations

import click

from panel.import_cli import import_command
from panel.insight_cli import health_command, representativeness_command
from panel.lookup_cli import postcodes_command
from panel.sample_cli import replay_command, sample_command


@click.group("panel", help="Resident panel: draw samples, import members.")
def panel_group() -> None:
    pass


panel_group.add_command(import_command)
panel_group.add_command(sample_command)
panel_group.add_command(replay_command)
panel_group.add_command(postcodes_command)
panel_group.add_command(representativeness_command)
panel_group.add_command(health_command)

COMMANDS = [panel_group]
