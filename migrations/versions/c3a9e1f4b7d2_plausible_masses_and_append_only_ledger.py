"""plausible masses (ranges, flags) and an append-only ledger enforced by triggers

Revision ID: c3a9e1f4b7d2
Revises: b7c41e2f9a10
Create Date: 2026-12-07 12:30:00.000000

Adds category.kg_per_unit_range (filled by the catalogue sync that every upgrade runs),
listing.mass_flagged_at and handover.mass_flagged, then triggers that refuse UPDATE and DELETE
(and TRUNCATE on PostgreSQL) on the ledger tables. The trigger SQL is the one create_all uses
(marketplace/models/append_only.py).
"""

import sqlalchemy as sa
from alembic import op

from marketplace.models import append_only

# revision identifiers, used by Alembic.
revision = "c3a9e1f4b7d2"
down_revision = "b7c41e2f9a10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kg_per_unit_range", sa.JSON(), server_default="{}", nullable=False)
        )
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mass_flagged_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mass_flagged", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    for sql in append_only.create_statements(op.get_bind().dialect.name):
        op.execute(sql)


def downgrade():
    for sql in append_only.drop_statements(op.get_bind().dialect.name):
        op.execute(sql)
    # Native DROP COLUMN (SQLite 3.35+): a batch copy would drop and recreate tables that other
    # tables' foreign keys point at, which SQLite refuses while foreign keys are on.
    for table, column in (
        ("handover", "mass_flagged"),
        ("listing", "mass_flagged_at"),
        ("category", "kg_per_unit_range"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
