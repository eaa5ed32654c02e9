"""staged release: listing.public_from and a site's default staged-release hours

Revision ID: e4f1a7c2d9b3
Revises: 5d1f0c7a9e21
Create Date: 2026-12-07 12:00:00.000000

Issue 11: listing.public_from (before it only professionals see, find and reserve the
listing); existing listings get public_from = created_at, so nothing already public hides.
site.staged_release_hours: the site's default for its new listings (None: the setting
STAGED_RELEASE_HOURS).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4f1a7c2d9b3"
down_revision = "5d1f0c7a9e21"
branch_labels = None
depends_on = None


def upgrade():
    # A NOT NULL column needs a default on SQLite's ADD COLUMN; every row is then set from its
    # created_at, and the app always gives a value itself.
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "public_from",
                sa.DateTime(),
                server_default=sa.text("'1970-01-01 00:00:00'"),
                nullable=False,
            )
        )
    op.execute("UPDATE listing SET public_from = created_at")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staged_release_hours", sa.Integer(), nullable=True))


def downgrade():
    # Native DROP COLUMN (SQLite 3.35+), as the migrations before: a batch copy would recreate
    # tables that other tables' foreign keys point at.
    op.execute("ALTER TABLE site DROP COLUMN staged_release_hours")
    op.execute("ALTER TABLE listing DROP COLUMN public_from")
