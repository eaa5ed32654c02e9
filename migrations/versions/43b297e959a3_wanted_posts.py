"""wanted posts (demand), their alerts and the reservations that cover them

Revision ID: 43b297e959a3
Revises: c3a9e1f4b7d2
Create Date: 2026-12-07 11:50:56.210960

Issue 10: wanted_post; wanted_alert (one row per post and listing, so an alert goes at most
once per pair); wanted_reservation (a reservation counting towards a post's quantity_covered).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "43b297e959a3"
down_revision = "c3a9e1f4b7d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wanted_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_slug", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("quantity_covered", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=4), nullable=False),
        sa.Column("needed_from", sa.Date(), nullable=True),
        sa.Column("needed_by", sa.Date(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("radius_km", sa.BigInteger(), nullable=False),
        sa.Column("max_price_cents", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "fulfilled",
                "closed",
                "expired",
                name="wanted_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_wanted_post_wanted_quantity_positive")),
        sa.CheckConstraint(
            "quantity_covered >= 0", name=op.f("ck_wanted_post_wanted_covered_nonnegative")
        ),
        sa.CheckConstraint("radius_km > 0", name=op.f("ck_wanted_post_wanted_radius_positive")),
        sa.ForeignKeyConstraint(
            ["category_slug"], ["category.slug"], name=op.f("fk_wanted_post_category_slug_category")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_wanted_post_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_wanted_post_owner_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wanted_post")),
    )
    with op.batch_alter_table("wanted_post", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wanted_post_category_slug"), ["category_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_wanted_post_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_wanted_post_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "ix_wanted_post_status_needed_by", ["status", "needed_by"], unique=False
        )

    op.create_table(
        "wanted_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wanted_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_wanted_alert_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wanted_id"],
            ["wanted_post.id"],
            name=op.f("fk_wanted_alert_wanted_id_wanted_post"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wanted_alert")),
        sa.UniqueConstraint("wanted_id", "listing_id", name="uq_wanted_alert_pair"),
    )
    with op.batch_alter_table("wanted_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wanted_alert_listing_id"), ["listing_id"], unique=False
        )

    op.create_table(
        "wanted_reservation",
        sa.Column("wanted_id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservation.id"],
            name=op.f("fk_wanted_reservation_reservation_id_reservation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wanted_id"],
            ["wanted_post.id"],
            name=op.f("fk_wanted_reservation_wanted_id_wanted_post"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("wanted_id", "reservation_id", name=op.f("pk_wanted_reservation")),
        sa.UniqueConstraint("reservation_id", name=op.f("uq_wanted_reservation_reservation_id")),
    )


def downgrade():
    op.drop_table("wanted_reservation")
    with op.batch_alter_table("wanted_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wanted_alert_listing_id"))

    op.drop_table("wanted_alert")
    with op.batch_alter_table("wanted_post", schema=None) as batch_op:
        batch_op.drop_index("ix_wanted_post_status_needed_by")
        batch_op.drop_index(batch_op.f("ix_wanted_post_owner_id"))
        batch_op.drop_index(batch_op.f("ix_wanted_post_organization_id"))
        batch_op.drop_index(batch_op.f("ix_wanted_post_category_slug"))

    op.drop_table("wanted_post")
