"""customers.name_bigrams and name_key: maintained by a trigger on INSERT and UPDATE OF name

As generated columns they were recomputed on every UPDATE of a customer — a claim, a release,
a follow-up timestamp — running crm_bigrams() and the plpgsql crm_company_key() each time
(the nightly recycling of 780,000 customers spent most of its 389 s there). A BEFORE trigger
limited to `UPDATE OF name` computes them only when the name changes. DROP EXPRESSION keeps
the stored values, so nothing is recomputed now.

Revision ID: 8c3d2a1f4e6b
Revises: a9a0953b7b63
Create Date: 2026-11-23 04:52:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8c3d2a1f4e6b"
down_revision: str | None = "a9a0953b7b63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE customers ALTER COLUMN name_bigrams DROP EXPRESSION")
    op.execute("ALTER TABLE customers ALTER COLUMN name_key DROP EXPRESSION")
    op.execute(
        """
        CREATE FUNCTION crm_customer_name_keys() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            NEW.name_bigrams := crm_bigrams(NEW.name);
            NEW.name_key := crm_company_key(NEW.name);
            RETURN NEW;
        END
        $fn$
        """
    )
    op.execute(
        "CREATE TRIGGER customers_name_keys BEFORE INSERT OR UPDATE OF name ON customers "
        "FOR EACH ROW EXECUTE FUNCTION crm_customer_name_keys()"
    )
    # bulk loads that skip FK checks (session_replication_role = replica) still get the keys
    op.execute("ALTER TABLE customers ENABLE ALWAYS TRIGGER customers_name_keys")


def downgrade() -> None:
    op.execute("DROP TRIGGER customers_name_keys ON customers")
    op.execute("DROP FUNCTION crm_customer_name_keys()")
    for column, expression in (("name_bigrams", "crm_bigrams(name)"), ("name_key", "crm_company_key(name)")):
        kind = "text[]" if column == "name_bigrams" else "text"
        op.execute(f"ALTER TABLE customers DROP COLUMN {column}")
        op.execute(f"ALTER TABLE customers ADD COLUMN {column} {kind} GENERATED ALWAYS AS ({expression}) STORED")
    op.create_index("ix_customers_name_bigrams", "customers", ["name_bigrams"], postgresql_using="gin")
    op.create_index("ix_customers_name_key", "customers", ["name_key"])
