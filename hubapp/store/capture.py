"""Local change capture: SQLite triggers write every change of a synced row into the outbox.

Why triggers rather than the ORM's flush hook: every write path is caught, including the
raw-SQL bulk paths (the CSV importer, future bulk edits) and anything a later engineer adds,
and the outbox row is written by the same statement, so it commits or rolls back with the
change itself. Each outbox row is field level: ``{"column": [base, new], ...}`` for an update
(only the columns that really changed), ``{"column": new, ...}`` for an insert, in SQLite's
stored form (UUIDs as 32 hex digits, datetimes as text, booleans 0/1) so that nothing is
converted on the way out or back in.

Capture is off while a marker row is in ``local_setting``:

* ``sync_applying`` is written at the start of a pull's own transaction and removed before
  it commits, so rows that arrive from the central database are not sent back;
* ``demo_database`` marks a database made for training: demo data is local and never pushed
  (``hubapp.sync`` refuses to sync such a database), so the bulk generator pays nothing.

Reference tables (hubs, agencies, categories, channels, tools and powers) are not captured:
their rows have the same uuid5 ids and values on every station and travel with app releases.
The columns ``row_version`` (a local optimistic lock) and ``case_.seq`` (a local key for the
search index) are local and never leave the station; ``updated_at`` and ``station_id`` travel
for the record but never conflict and never order anything.

A later migration that adds a column to a captured table must call :func:`install` again
(it reads the columns from the database, so the triggers always match the schema).
"""

from __future__ import annotations

from hubapp import settings

#: tables whose rows are identical on every station (uuid5 ids) and are not captured
REFERENCE_TABLES = frozenset(
    {"hub", "agency_type", "agency", "hub_agency", "category", "channel", "intervention_type"}
)
#: columns that never leave the station
LOCAL_COLUMNS = frozenset({"row_version", "seq"})
#: columns that travel with a change but never conflict or count as a change on their own
META_COLUMNS = frozenset({"updated_at", "station_id"})

_GUARD = "NOT " + settings.flags_set_sql("sync_applying", "demo_database")
_OP_ID = "lower(hex(randomblob(16)))"
_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(conn, table: str) -> list[str]:
    rows = conn.exec_driver_sql(f"PRAGMA table_info({_q(table)})").fetchall()
    return [r[1] for r in rows]


def trigger_sql(table: str, columns: list[str], *, erasures: bool = True) -> list[str]:
    """The CREATE TRIGGER statements capturing inserts and updates of ``table`` and, with
    ``erasures``, deletes.

    A synced row is deleted only when it is erased (the application voids, it never deletes):
    the delete trigger first removes the row's waiting changes and open conflicts from the
    station's own tables, since they hold its values, then queues an ``erase`` op carrying
    no values at all."""
    carried = [c for c in columns if c not in LOCAL_COLUMNS and c != "id"]
    tracked = [c for c in carried if c not in META_COLUMNS]
    ins_obj = ", ".join(f"'{c}', new.{_q(c)}" for c in carried)
    # json_patch drops the members whose value is NULL: only the changed columns remain
    upd_obj = ", ".join(
        f"'{c}', CASE WHEN old.{_q(c)} IS NOT new.{_q(c)} "
        f"THEN json_array(old.{_q(c)}, new.{_q(c)}) END"
        for c in carried
    )
    changed = " OR ".join(f"old.{_q(c)} IS NOT new.{_q(c)}" for c in tracked)
    t = _q(table)
    return [
        f"CREATE TRIGGER sync_capture_ai_{table} AFTER INSERT ON {t} WHEN {_GUARD} BEGIN "
        f"INSERT INTO sync_outbox (op_id, tbl, row_id, kind, fields, made_at) VALUES "
        f"({_OP_ID}, '{table}', new.id, 'insert', json_object({ins_obj}), {_NOW}); END",
        f"CREATE TRIGGER sync_capture_au_{table} AFTER UPDATE ON {t} "
        f"WHEN {_GUARD} AND ({changed}) BEGIN "
        f"INSERT INTO sync_outbox (op_id, tbl, row_id, kind, fields, made_at) VALUES "
        f"({_OP_ID}, '{table}', new.id, 'update', json_patch('{{}}', json_object({upd_obj})), "
        f"{_NOW}); END",
    ] + (
        [
            f"CREATE TRIGGER sync_capture_ad_{table} AFTER DELETE ON {t} WHEN {_GUARD} BEGIN "
            f"DELETE FROM sync_outbox WHERE tbl = '{table}' AND row_id = old.id; "
            f"DELETE FROM sync_conflict WHERE tbl = '{table}' AND row_id = old.id; "
            f"INSERT INTO sync_outbox (op_id, tbl, row_id, kind, fields, made_at) VALUES "
            f"({_OP_ID}, '{table}', old.id, 'erase', '{{}}', {_NOW}); END"
        ]
        if erasures
        else []
    )


def drop(conn, tables: list[str]) -> None:
    for table in tables:
        for kind in ("ai", "au", "ad"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS sync_capture_{kind}_{table}")


def install(conn, tables: list[str], *, erasures: bool = True) -> None:
    """(Re)create the capture triggers of ``tables`` from their current columns (migration
    0005 installed them without ``erasures``; 0008 added those)."""
    drop(conn, tables)
    for table in tables:
        for statement in trigger_sql(table, _columns(conn, table), erasures=erasures):
            conn.exec_driver_sql(statement)


def captured_tables() -> list[str]:
    """The synced tables whose changes are captured, parents before children."""
    from hubapp.store.schema import SYNCED_TABLES

    return [m.__tablename__ for m in SYNCED_TABLES if m.__tablename__ not in REFERENCE_TABLES]
