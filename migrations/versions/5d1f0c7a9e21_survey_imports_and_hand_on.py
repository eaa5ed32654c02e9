"""survey imports, the listings they created, and lots handed on to Materiaalitori

Revision ID: 5d1f0c7a9e21
Revises: 43b297e959a3
Create Date: 2026-12-07 11:58:00

Issue 11 items 1 and 4: survey_import (one published survey file per site); listing.import_id
(which import created the listing, for undo and the city's planned-versus-handed-over view);
listing.handed_on_at (when its builder handed an unclaimed lot on to Materiaalitori).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d1f0c7a9e21"
down_revision = "43b297e959a3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("survey_import", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_import_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_import_site_id"), ["site_id"], unique=False)
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("handed_on_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_listing_import_id"), ["import_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_listing_import_id_survey_import", "survey_import", ["import_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_constraint("fk_listing_import_id_survey_import", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_listing_import_id"))
        batch_op.drop_column("handed_on_at")
        batch_op.drop_column("import_id")
    with op.batch_alter_table("survey_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_import_site_id"))
        batch_op.drop_index(batch_op.f("ix_survey_import_organization_id"))
    op.drop_table("survey_import")
