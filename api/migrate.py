"""Apply Alembic migrations programmatically (the schema is never made by `create_all`)."""

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from api.settings import PROJECT_ROOT


def alembic_config(connection: Connection | None = None) -> Config:
    """The project's Alembic configuration, optionally bound to an open connection."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection | None = None, revision: str = "head") -> None:
    """Bring the database up to `revision`."""
    command.upgrade(alembic_config(connection), revision)
