"""Run Alembic from code (the CLI, start-up and tests use the same functions)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from app.config import PROJECT_ROOT, get_settings


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """Alembic's config for this project, pointed at ``url`` (default: the settings')."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # '%' is Alembic's interpolation character; URLs may contain it (encoded passwords).
    config.set_main_option(
        "sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%")
    )
    config.attributes["configure_logging"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(revision: str = "head", url: str | None = None) -> None:
    """Apply migrations up to ``revision``."""
    if (url or get_settings().database_url).startswith("sqlite:///"):
        get_settings().var_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(revision: str = "-1", url: str | None = None) -> None:
    """Undo migrations down to ``revision`` (default: one step)."""
    command.downgrade(alembic_config(url), revision)


def check(url: str | None = None) -> None:
    """Raise when the models and the migrated database differ (``alembic check``)."""
    command.check(alembic_config(url))
