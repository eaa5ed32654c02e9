"""organisation verification: listings may wait in pending_review; a note on why the Trade
Register lookup left an organisation for staff

Existing organisations keep their `verified_at` as it is. Those never verified were never
checked by the city, so marking them verified now would put a false "verified by the city"
badge on them; they appear in the staff queue instead. Their listings already published stay
published (they may hold reservations); their new listings wait for review until staff verify
them. Organisations created from the command line or by the demo data were verified already.

Revision ID: b7c41e2f9a10
Revises: b7c41e9a0d25
Create Date: 2026-12-08 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7c41e2f9a10"
down_revision = "b7c41e9a0d25"
branch_labels = None
depends_on = None

OLD_STATUSES = ("available", "reserved", "collected", "expired", "withdrawn")
NEW_STATUSES = OLD_STATUSES + ("pending_review",)


def _status_check(statuses) -> str:
    return "status IN (%s)" % ", ".join(f"'{s}'" for s in statuses)


def upgrade():
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verification_note", sa.String(length=300), nullable=False, server_default="")
        )
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_listing_listing_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_listing_listing_status"), _status_check(NEW_STATUSES)
        )


def downgrade():
    # Listings still waiting for review have no place in the old schema: withdrawn is the
    # nearest state that keeps them out of sight.
    op.execute("UPDATE listing SET status = 'withdrawn' WHERE status = 'pending_review'")
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_listing_listing_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_listing_listing_status"), _status_check(OLD_STATUSES)
        )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("verification_note")
