"""messages about a reservation: the conversation between taker and seller

Revision ID: b5d8e2f4a1c6
Revises: c9e3a7b1d2f5
Create Date: 2026-12-07 14:00:00.000000

Issue 13 point 4: one row per message (reservation, author, body as typed, time), read in the
order written: (reservation_id, id) is indexed for the thread, author_id for the account's data
export and erasure.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b5d8e2f4a1c6"
down_revision = "c9e3a7b1d2f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reservation_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_reservation_message_author_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservation.id"],
            name=op.f("fk_reservation_message_reservation_id_reservation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation_message")),
    )
    with op.batch_alter_table("reservation_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reservation_message_thread", ["reservation_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reservation_message_author_id"), ["author_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("reservation_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservation_message_author_id"))
        batch_op.drop_index("ix_reservation_message_thread")
    op.drop_table("reservation_message")
