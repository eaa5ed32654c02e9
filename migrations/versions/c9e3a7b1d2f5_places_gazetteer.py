"""places: the local gazetteer that address search reads without a geocoder

Revision ID: c9e3a7b1d2f5
Revises: e4f1a7c2d9b3
Create Date: 2026-12-07 13:45:00.000000

Issue 13 point 3: one row per street address (street, its Swedish name where given, house number,
postcode, lat, lng, source), loaded by `flask places load FILE`; the street names' search keys
(lower case, no diacritics) are indexed for prefix search, and (street_key, number, postcode) is
unique so that loading a file twice updates rows instead of adding them.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c9e3a7b1d2f5"
down_revision = "e4f1a7c2d9b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "gazetteer_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=120), nullable=False),
        sa.Column("street_sv", sa.String(length=120), nullable=True),
        sa.Column("street_key", sa.String(length=120), nullable=False),
        sa.Column("street_sv_key", sa.String(length=120), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gazetteer_entry")),
        sa.UniqueConstraint(
            "street_key", "number", "postcode", name=op.f("uq_gazetteer_entry_street_key")
        ),
    )
    with op.batch_alter_table("gazetteer_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gazetteer_entry_street_key"), ["street_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_gazetteer_entry_street_sv_key"), ["street_sv_key"], unique=False
        )


def downgrade():
    with op.batch_alter_table("gazetteer_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gazetteer_entry_street_sv_key"))
        batch_op.drop_index(batch_op.f("ix_gazetteer_entry_street_key"))
    op.drop_table("gazetteer_entry")
