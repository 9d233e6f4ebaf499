"""Idempotency keys belong to the API key that sent them; an index for operators' lists.

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
    """Primary key (api_key_id, key) instead of (key); indexes for lists."""
    with op.batch_alter_table("idempotency_records", recreate="always") as batch:
        batch.drop_constraint("pk_idempotency_records", type_="primary")
        batch.create_primary_key("pk_idempotency_records", ["api_key_id", "key"])
    op.create_index(
        "ix_applications_status_verdict_created_at",
        "applications",
        ["status", "verdict", "created_at"],
    )
    op.create_index("ix_applications_updated_at", "applications", ["updated_at"])


def downgrade() -> None:
    """Back to one namespace of keys (fails if two API keys used the same string)."""
    op.drop_index("ix_applications_updated_at", table_name="applications")
    op.drop_index("ix_applications_status_verdict_created_at", table_name="applications")
    with op.batch_alter_table("idempotency_records", recreate="always") as batch:
        batch.drop_constraint("pk_idempotency_records", type_="primary")
        batch.create_primary_key("pk_idempotency_records", ["key"])
