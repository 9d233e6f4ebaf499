"""Alembic environment: runs migrations on the engine the API settings describe."""

from alembic import context

from api.db import make_engine
from api.models import Base
from api.settings import get_settings

config = context.config
connection = config.attributes.get("connection")


def run(conn: object) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    engine = make_engine(get_settings())
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
