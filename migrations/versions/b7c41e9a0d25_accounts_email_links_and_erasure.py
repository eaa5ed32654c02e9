"""accounts: e-mail confirmation, e-mailed links (confirm, reset, change address), erasure

Existing accounts are marked confirmed (their confirmation time is their creation time): they
were made before confirmation existed, by sign-up, the operator's CLI or the demo data, and
must not lose the right to reserve.

Revision ID: b7c41e9a0d25
Revises: 4228d1e34990
Create Date: 2026-12-07 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7c41e9a0d25"
down_revision = "4228d1e34990"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE user_account SET email_confirmed_at = created_at")

    op.create_table(
        "email_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "confirm_email",
                "reset_password",
                "change_email",
                name="link_purpose",
                native_enum=False,
                length=20,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_email_link_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_link_token_hash")),
    )
    with op.batch_alter_table("email_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_link_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("email_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_link_user_id"))
    op.drop_table("email_link")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("email_confirmed_at")
