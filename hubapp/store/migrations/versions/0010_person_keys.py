"""people: the keys a person is found by, across cases

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 13:30:00.000000

``person_key`` holds each person's keys (``hubapp.domain.matching``: the words of the name,
the whole name, the phone number as E.164, the e-mail address, the postcode), so that a
search by any of them is an index look-up. The keys are worked out in Python (the phone
number rules are libphonenumber's), so SQL cannot keep them itself; instead triggers on
``person`` put every person written by any path (a form, an import, a pull, a first copy,
an erasure's delete) in ``person_key_stale``, and the store works their keys out again
before it searches (``hubapp.store.casework.people.catch_up``). Every existing person starts
stale. Both tables are the station's own and derived: a snapshot's are never used.

``contact.reporter_person_id`` gains an index: a person's reports are read from the person.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: the columns the keys come from
SOURCE = ("full_name", "phone", "email", "address")

#: marks the person stale once. Not INSERT OR IGNORE: inside a trigger, the conflict clause
#: of the statement that fired it wins (a pull's INSERT OR ABORT would fail on a person
#: already marked), so the row is only inserted where it is not there yet
_MARK = (
    "INSERT INTO person_key_stale (person_id) SELECT new.id WHERE NOT EXISTS"
    " (SELECT 1 FROM person_key_stale WHERE person_id = new.id);"
)

TRIGGERS = {
    "person_keys_ai": f"AFTER INSERT ON person BEGIN {_MARK} END",
    "person_keys_au": f"AFTER UPDATE OF {', '.join(SOURCE)} ON person BEGIN {_MARK} END",
    "person_keys_ad": "AFTER DELETE ON person BEGIN "
    "DELETE FROM person_key WHERE person_id = old.id; "
    "DELETE FROM person_key_stale WHERE person_id = old.id; END",
}


def upgrade() -> None:
    op.create_table(
        "person_key",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", "person_id", name=op.f("pk_person_key")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_person_key_person", "person_key", ["person_id"])
    op.create_table(
        "person_key_stale",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_key_stale")),
        sqlite_with_rowid=False,
    )
    # a person's reports, found from the person (their page, and whether a case names them)
    op.create_index("ix_contact_reporter_person_id", "contact", ["reporter_person_id"])
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO person_key_stale (person_id) SELECT id FROM person")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_contact_reporter_person_id", table_name="contact")
    op.drop_table("person_key_stale")
    op.drop_index("ix_person_key_person", table_name="person_key")
    op.drop_table("person_key")
