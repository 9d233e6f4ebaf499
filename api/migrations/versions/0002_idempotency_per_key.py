"""Idempotency keys belong to the API key that sent them.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Primary key (api_key_id, key) instead of (key)."""
    with op.batch_alter_table("idempotency_records", recreate="always") as batch:
        batch.drop_constraint("pk_idempotency_records", type_="primary")
        batch.create_primary_key("pk_idempotency_records", ["api_key_id", "key"])


def downgrade() -> None:
    """Back to one namespace of keys (fails if two API keys used the same string)."""
    with op.batch_alter_table("idempotency_records", recreate="always") as batch:
        batch.drop_constraint("pk_idempotency_records", type_="primary")
        batch.create_primary_key("pk_idempotency_records", ["key"])
