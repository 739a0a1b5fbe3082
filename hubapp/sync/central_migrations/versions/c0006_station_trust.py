"""central: a station is a trust boundary (the server decides every write)

Revision ID: c0006
Revises: c0005
Create Date: 2026-12-07 10:00:00.000000

Until c0005 a station's own login could write ``record``, ``change``, ``case_share`` and
``conflict`` directly, within row-level security policies that checked only the hub column it
claimed. From this revision a station holds **no** INSERT, UPDATE or DELETE on any central
table and no SELECT on ``record``, ``change`` or ``conflict``:

* **Reads** go through three views owned by the administrator (``station_record``,
  ``station_change``, ``station_conflict``; ``security_barrier``). Each works out the caller's
  hub from its login (``session_user``), never from an argument, and shows its hub's rows,
  the rows of cases the *owning* hub shared with it, and the rows those point at. A
  locked-down person of another hub arrives with their name only: date of birth, phone,
  e-mail and address are taken out by the view, in the records and in the change log alike.
* **Writes** go through three procedures (``hubapp_push``, ``hubapp_share``,
  ``hubapp_unshare``). Each calls one SECURITY DEFINER function that re-checks every
  operation against central's own rows: an allow-list of tables, of fields per table
  (``sync_column``) and of kinds; well-formed 32-hex ids and bounded sizes; ownership and
  audience worked out here (a row's hub and case come from its parent record, never from the
  station); fields that may never change after an insert (hub, case, parent, reference);
  references only to rows the station can see. The server writes the change log itself.
  Erasure is the owning hub's decision alone and takes the case's rows with it.
* **Nothing a station can hold slows the others.** The change log is serialised by a row
  lock on ``change_serial``, a table no station can read, lock or write. It is taken only
  inside those functions, and each procedure COMMITs before it returns, so the lock is gone
  before control is back with the station: a procedure called inside a station's own
  transaction block cannot commit and fails, which releases everything at once. The
  functions check their call stack and refuse to run unless called by their procedure.
  Advisory locks are no longer used for anything. Station roles get a connection limit and
  statement, lock and idle-in-transaction timeouts (defaults an honest client keeps; the
  structure above is what holds against a hostile one), and no station can create temporary
  or large objects or anything in the schema.
* **Clean-up of what a station could forge before:** shares whose owner is not the case's
  hub, records of tables outside the allow-list, and change-log entries that name another
  hub than their record's, or are addressed to a hub the case is not shared with, are
  deleted; every record's references are worked out again from its fields.

``min_station_schema`` becomes 2: an older station, which wrote the tables directly, is told
to update and keeps its changes.
"""

from alembic import op

revision = "c0006"
down_revision = "c0005"
branch_labels = None
depends_on = None

STATION_GROUP = "hubapp_station"

#: the longest a text field of no declared length may be, in characters
TEXT_MAX = 200_000
#: the most operations one push may carry, and the largest a push or one record may be
PUSH_OPS_MAX = 500
PUSH_BYTES_MAX = 16 << 20
RECORD_BYTES_MAX = 1 << 20
#: fields of a locked-down person that another hub never receives
LOCKED_FIELDS = ("date_of_birth", "phone", "email", "address")
#: the timeouts and connection limit every station role gets (hubapp.sync.central uses them)
ROLE_SETTINGS = {
    "statement_timeout": "120s",
    "lock_timeout": "10s",
    "idle_in_transaction_session_timeout": "60s",
}
CONNECTION_LIMIT = 6

# What a station may write, frozen at this revision (the station schema 0008). For each
# table: the columns in order, as (name, kind, longest, may be null). Kinds: ``hub`` (the
# station's own hub), ``ref`` (a synced row the station must be able to see), ``id`` (a
# reference-data id: well-formed only), ``text``, ``int``, ``bool``, ``date``, ``datetime``,
# ``json`` (JSON text). tests/sync/test_central_allow_list.py holds this against the
# station's schema, so a new station column without a central revision fails a test.
C = {
    "station": [("hub_id", "hub", None, False), ("name", "text", 120, False), ("ref_prefix", "text", 4, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "place": [("hub_id", "hub", None, True), ("name", "text", 200, False), ("town", "text", 80, False), ("postcode", "text", 10, False), ("grid_ref", "text", 20, False), ("place_type", "text", 40, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "case_": [("reference", "text", 24, False), ("hub_id", "hub", None, False), ("category_id", "id", None, False), ("channel_id", "id", None, False), ("status", "text", 16, False), ("risk_level", "text", 16, False), ("priority", "text", 16, False), ("sara_stage", "text", 16, False), ("lead_agency_id", "id", None, True), ("place_id", "ref", None, True), ("location", "text", 200, False), ("town", "text", 80, False), ("postcode", "text", 10, False), ("grid_ref", "text", 20, False), ("summary", "text", 200, False), ("details", "text", None, False), ("police_log_ref", "text", 40, False), ("council_ref", "text", 40, False), ("received_at", "datetime", None, False), ("incident_at", "datetime", None, True), ("opened_on", "date", None, False), ("closed_on", "date", None, True), ("outcome", "text", 40, False), ("closure_rationale", "text", None, False), ("next_review_on", "date", None, True), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "person": [("full_name", "text", 160, False), ("date_of_birth", "date", None, True), ("phone", "text", 40, False), ("email", "text", 120, False), ("address", "text", 200, False), ("locked_down", "bool", None, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "case_person": [("case_id", "ref", None, False), ("person_id", "ref", None, False), ("role", "text", 24, False), ("place_id", "ref", None, True), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "case_place": [("case_id", "ref", None, False), ("place_id", "ref", None, False), ("role", "text", 24, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "contact": [("case_id", "ref", None, False), ("channel_id", "id", None, False), ("received_at", "datetime", None, False), ("incident_at", "datetime", None, True), ("reporter_person_id", "ref", None, True), ("anonymous", "bool", None, False), ("consent_to_contact", "bool", None, False), ("summary", "text", None, False), ("external_ref", "text", 60, False), ("place_id", "ref", None, True), ("import_key", "text", 64, True), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "assignment": [("case_id", "ref", None, False), ("agency_id", "id", None, False), ("role", "text", 12, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "action": [("case_id", "ref", None, False), ("agency_id", "id", None, False), ("owner", "text", 120, False), ("description", "text", None, False), ("due_on", "date", None, True), ("status", "text", 16, False), ("completed_on", "date", None, True), ("outcome", "text", None, False), ("meeting_id", "ref", None, True), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "note": [("case_id", "ref", None, False), ("author", "text", 120, False), ("agency_id", "id", None, True), ("visibility", "text", 16, False), ("body", "text", None, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "case_status_change": [("case_id", "ref", None, False), ("from_status", "text", 16, False), ("to_status", "text", 16, False), ("changed_at", "datetime", None, False), ("changed_by", "text", 120, False), ("reason", "text", None, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "sara_plan": [("case_id", "ref", None, False), ("objective", "text", None, False), ("scan_source", "text", None, False), ("scan_affected", "text", None, False), ("scan_frequency", "text", None, False), ("pat_offender", "text", None, False), ("pat_handler", "text", None, False), ("pat_victim", "text", None, False), ("pat_guardian", "text", None, False), ("pat_location", "text", None, False), ("pat_manager", "text", None, False), ("hypothesis", "text", None, False), ("data_used", "text", None, False), ("response_options", "text", None, False), ("response_responsible", "text", None, False), ("assessment_process", "text", None, False), ("measure_before", "text", None, False), ("measure_after", "text", None, False), ("impact_goal", "text", 16, False), ("assessment_impact", "text", None, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "risk_assessment": [("case_id", "ref", None, False), ("person_id", "ref", None, True), ("answers", "json", None, False), ("score", "int", None, False), ("level", "text", 16, False), ("assessed_at", "datetime", None, False), ("assessed_by", "text", 120, False), ("next_review_on", "date", None, True), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "intervention": [("case_id", "ref", None, False), ("intervention_type_id", "id", None, False), ("person_id", "ref", None, True), ("place_id", "ref", None, True), ("agency_id", "id", None, False), ("issued_on", "date", None, False), ("expires_on", "date", None, True), ("conditions", "text", None, False), ("status", "text", 16, False), ("ended_on", "date", None, True), ("notes", "text", None, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "intervention_breach": [("intervention_id", "ref", None, False), ("breached_on", "date", None, False), ("details", "text", None, False), ("recorded_by", "text", 120, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "meeting": [("hub_id", "hub", None, False), ("meets_on", "date", None, False), ("starts_at", "text", 5, False), ("place", "text", 200, False), ("chair", "text", 120, False), ("status", "text", 16, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "agenda_item": [("meeting_id", "ref", None, False), ("case_id", "ref", None, False), ("reason", "text", 24, False), ("reason_text", "text", None, False), ("added_by", "text", 120, False), ("removed", "bool", None, False), ("removed_reason", "text", None, False), ("removed_by", "text", 120, False), ("position", "int", None, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "meeting_attendance": [("meeting_id", "ref", None, False), ("agency_id", "id", None, False), ("attendees", "text", None, False), ("status", "text", 12, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
    "meeting_decision": [("meeting_id", "ref", None, False), ("case_id", "ref", None, True), ("text", "text", None, False), ("recorded_by", "text", 120, False), ("created_at", "datetime", None, False), ("updated_at", "datetime", None, False), ("station_id", "id", None, True), ("voided", "bool", None, False)],
}  # fmt: skip
#: the column that says whose a new row is, first set one wins (none: the station's own hub)
PARENTS = {
    "case_person": ("case_id",), "case_place": ("case_id",), "contact": ("case_id",),
    "assignment": ("case_id",), "action": ("case_id",), "note": ("case_id",),
    "case_status_change": ("case_id",), "sara_plan": ("case_id",),
    "risk_assessment": ("case_id",), "intervention": ("case_id",),
    "intervention_breach": ("intervention_id",), "agenda_item": ("case_id", "meeting_id"),
    "meeting_attendance": ("meeting_id",), "meeting_decision": ("case_id", "meeting_id"),
}  # fmt: skip
#: an edit of the same field on two sides takes the later push: no conflict
APPEND_ONLY = ("note", "action", "case_status_change", "meeting_decision", "intervention_breach")
#: columns that never change once a row exists (besides its hub and parents)
FIXED = {("case_", "reference")}


def allow_list_sql(tables: dict = C, parents: dict = PARENTS, append_only=APPEND_ONLY,
                   fixed_columns=FIXED, first: int = 0) -> str:  # fmt: skip
    """The rows of ``sync_table`` and ``sync_column`` for ``tables`` (later revisions add
    their own tables with it; ``first`` is the order of the first)."""
    rows, columns = [], []
    for order, (tbl, cols) in enumerate(tables.items(), start=first):
        ps = "{" + ",".join(parents.get(tbl, ())) + "}"
        rows.append(f"('{tbl}', '{ps}', {str(tbl in append_only).lower()}, {order})")
        for name, kind, longest, nullable in cols:
            fixed = (
                kind == "hub"
                or name in parents.get(tbl, ())
                or name == "created_at"
                or (tbl, name) in fixed_columns
            )
            # a declared length is a display limit, not a promise every path keeps: four
            # times it (at least 1,000 characters) bounds the size without refusing honest data
            bound = TEXT_MAX if longest is None else max(4 * longest, 1000)
            if kind not in ("text", "json"):
                bound = "NULL"
            columns.append(
                f"('{tbl}', '{name}', '{kind}', {bound}, {str(nullable).lower()},"
                f" {str(fixed).lower()})"
            )
    return (
        "INSERT INTO sync_table (tbl, parents, append_only, ord) VALUES\n  "
        + ",\n  ".join(rows)
        + ";\nINSERT INTO sync_column (tbl, col, kind, max_len, nullable, fixed) VALUES\n  "
        + ",\n  ".join(columns)
        + ";"
    )


_LOCKED = "ARRAY[" + ", ".join(f"'{f}'" for f in LOCKED_FIELDS) + "]"


def upgrade() -> None:
    # one ALTER ROLE per setting (a statement takes one SET)
    settings = "\n    ".join(
        f"EXECUTE format('ALTER ROLE %I SET {k} = ''{v}''', r);" for k, v in ROLE_SETTINGS.items()
    )
    op.execute(f"""
-- the serialisation of the change log: a row no station can read, lock or write ----------
CREATE TABLE change_serial (id integer PRIMARY KEY CHECK (id = 1));
INSERT INTO change_serial VALUES (1);
CREATE OR REPLACE FUNCTION change_number() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  PERFORM 1 FROM change_serial WHERE id = 1 FOR UPDATE;
  NEW.id := nextval('change_id_seq');
  RETURN NEW;
END $$;

-- the allow-list: what a station may write --------------------------------------------
CREATE TABLE sync_table (
  tbl text PRIMARY KEY,
  parents text[] NOT NULL,
  append_only boolean NOT NULL,
  ord integer NOT NULL
);
CREATE TABLE sync_column (
  tbl text NOT NULL REFERENCES sync_table,
  col text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('hub', 'ref', 'id', 'text', 'int', 'bool', 'date',
                                      'datetime', 'json')),
  max_len integer,
  nullable boolean NOT NULL,
  fixed boolean NOT NULL,
  PRIMARY KEY (tbl, col)
);
{allow_list_sql()}

CREATE INDEX ix_record_refs ON record USING gin (refs);

-- the administrator who owns the tables reads and writes them whatever the policies ----
CREATE POLICY record_owner ON record TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY change_owner ON change TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY conflict_owner ON conflict TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY push_ledger_owner ON push_ledger TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY case_share_owner ON case_share TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY hub_station_owner ON hub_station TO CURRENT_USER USING (true) WITH CHECK (true);

-- no direct access for stations any more -------------------------------------------------
DROP POLICY record_station ON record;
DROP POLICY change_station ON change;
DROP POLICY conflict_station ON conflict;
DROP POLICY push_ledger_station ON push_ledger;
DROP POLICY case_share_station ON case_share;
REVOKE ALL ON record, change, conflict, push_ledger, case_share, hub_station, central_info,
  change_serial, sync_table, sync_column FROM {STATION_GROUP};
REVOKE ALL ON SEQUENCE change_id_seq FROM {STATION_GROUP};
ALTER TABLE change_serial ENABLE ROW LEVEL SECURITY;
ALTER TABLE change_serial FORCE ROW LEVEL SECURITY;
CREATE POLICY change_serial_owner ON change_serial TO CURRENT_USER USING (true) WITH CHECK (true);
-- a station reads the shares it made or received (the owner's list of hubs)
CREATE POLICY case_share_station ON case_share FOR SELECT TO {STATION_GROUP}
  USING (owner_hub = (SELECT hubapp_my_hub()) OR hub_id = (SELECT hubapp_my_hub()));
GRANT SELECT ON case_share, central_info TO {STATION_GROUP};

DROP FUNCTION hubapp_erase(uuid[]);
DROP FUNCTION hubapp_existing(uuid[]);
DROP FUNCTION hubapp_shared_cases(uuid);
DROP FUNCTION hubapp_ref_ids(uuid);

-- what the caller may see, worked out from its login ---------------------------------------
-- (the helpers below run only inside the SECURITY DEFINER functions, which pin search_path;
-- no station may call them, and they carry no SET clause of their own, which would cost
-- every call; the ones called for every operation are PL/pgSQL, whose plans are kept for the
-- session, where an SQL function's body is planned again at each call)
CREATE FUNCTION hubapp_shared_with(me uuid) RETURNS SETOF uuid LANGUAGE sql STABLE
  AS $$ SELECT case_id FROM case_share WHERE hub_id = me $$;
-- the rows (people, places, meetings) that rows the hub sees point at in another hub
CREATE FUNCTION hubapp_seen_refs(me uuid) RETURNS SETOF uuid LANGUAGE sql STABLE
  AS $$
    SELECT DISTINCT unnest(r.refs) FROM record r
     WHERE r.case_id IN (SELECT hubapp_shared_with(me)) OR (r.hub_id = me AND r.foreign_refs)
  $$;
-- whether hub ``me`` may see the record ``rid``
CREATE FUNCTION hubapp_sees(me uuid, rid uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM record r WHERE r.id = rid AND (r.hub_id = me OR EXISTS (
               SELECT 1 FROM case_share s WHERE s.case_id = r.case_id AND s.hub_id = me))) THEN
    RETURN true;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM record r WHERE r.id = rid) THEN
    RETURN false;
  END IF;
  RETURN EXISTS (SELECT 1 FROM record x WHERE x.refs @> ARRAY[rid]
                  AND ((x.hub_id = me AND x.foreign_refs) OR EXISTS (
                    SELECT 1 FROM case_share s WHERE s.case_id = x.case_id AND s.hub_id = me)));
END $$;
-- whether hub ``me`` may change a row of hub ``h`` and case ``c``
CREATE FUNCTION hubapp_may_write(me uuid, h uuid, c uuid) RETURNS boolean LANGUAGE plpgsql
  STABLE AS $$
BEGIN
  RETURN h = me OR (c IS NOT NULL
                    AND EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = c AND s.hub_id = me));
END $$;

-- (functions in a view run as the caller and need its EXECUTE right: apart from
-- hubapp_my_hub(), which takes no argument, the views spell out what they do)
CREATE VIEW station_record WITH (security_barrier) AS
  WITH me AS MATERIALIZED (SELECT hubapp_my_hub() AS hub),
       shared AS MATERIALIZED (SELECT s.case_id FROM case_share s, me WHERE s.hub_id = me.hub),
       seen AS MATERIALIZED (  -- two index scans (by case; the hub's rows with foreign refs)
         SELECT unnest(x.refs) AS id FROM record x WHERE x.case_id IN (SELECT case_id FROM shared)
         UNION
         SELECT unnest(x.refs) FROM record x, me WHERE x.hub_id = me.hub AND x.foreign_refs)
  SELECT r.id, r.tbl, r.hub_id, r.case_id, r.version,
         CASE WHEN r.tbl = 'person' AND r.hub_id <> me.hub
                   AND coalesce(r.fields ->> 'locked_down', '0') IN ('1', 'true')
              THEN r.fields - {_LOCKED} ELSE r.fields END AS fields
    FROM record r, me
   WHERE r.hub_id = me.hub
      OR r.case_id IN (SELECT case_id FROM shared)
      OR r.id IN (SELECT id FROM seen);
CREATE VIEW station_change WITH (security_barrier) AS
  WITH me AS MATERIALIZED (SELECT hubapp_my_hub() AS hub),
       shared AS MATERIALIZED (SELECT s.case_id FROM case_share s, me WHERE s.hub_id = me.hub),
       seen AS MATERIALIZED (  -- two index scans (by case; the hub's rows with foreign refs)
         SELECT unnest(x.refs) AS id FROM record x WHERE x.case_id IN (SELECT case_id FROM shared)
         UNION
         SELECT unnest(x.refs) FROM record x, me WHERE x.hub_id = me.hub AND x.foreign_refs)
  SELECT c.id, c.tbl, c.row_id, c.kind,
         CASE WHEN c.tbl <> 'person'
                   OR coalesce((SELECT p.hub_id FROM record p WHERE p.id = c.row_id), c.hub_id)
                      = me.hub
                   OR NOT (coalesce(c.fields ->> 'locked_down', '0') IN ('1', 'true')
                           OR coalesce((SELECT p.fields ->> 'locked_down' FROM record p
                                         WHERE p.id = c.row_id), '0') IN ('1', 'true'))
              THEN c.fields
              WHEN c.kind = 'conflict' THEN
                CASE WHEN c.fields ->> 'field' = ANY({_LOCKED})
                     THEN c.fields || '{{"base": null, "kept": null, "other": null}}'::jsonb
                     ELSE c.fields END
              ELSE c.fields - {_LOCKED} END AS fields,
         c.station_id
    FROM change c, me
   WHERE CASE WHEN c.audience_hub IS NOT NULL THEN c.audience_hub = me.hub
              ELSE c.hub_id = me.hub
                   OR c.case_id IN (SELECT case_id FROM shared)
                   OR c.row_id IN (SELECT id FROM seen) END;
CREATE VIEW station_conflict WITH (security_barrier) AS
  WITH me AS MATERIALIZED (SELECT hubapp_my_hub() AS hub)
  SELECT k.id, k.tbl, k.row_id, k.field, k.base, k.kept, k.other, k.other_station,
         k.detected_at, k.resolved_at
    FROM conflict k, me
   WHERE k.hub_id = me.hub
      OR k.case_id IN (SELECT s.case_id FROM case_share s WHERE s.hub_id = me.hub);
GRANT SELECT ON station_record, station_change, station_conflict TO {STATION_GROUP};

-- why a station may not change a row of hub ``h`` and case ``c``: 'not_shared' when the case
-- was shared with it once (its share ended), 'other_hub' otherwise
CREATE FUNCTION hubapp_why_not(me uuid, c uuid) RETURNS text LANGUAGE sql STABLE
  AS $$
    SELECT CASE WHEN c IS NOT NULL AND EXISTS (
                  SELECT 1 FROM change x WHERE x.case_id = c AND x.audience_hub = me)
                THEN 'not_shared' ELSE 'other_hub' END
  $$;

-- the call-stack check: these functions run only inside their procedure, which commits
CREATE FUNCTION hubapp_called_by(ctx text, proc text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE lines text[] := string_to_array(ctx, E'\\n');
BEGIN
  IF array_length(lines, 1) <> 2 OR lines[2] NOT LIKE ('PL/pgSQL function ' || proc || '(%') THEN
    RAISE EXCEPTION 'Call %, not this function.', proc USING ERRCODE = 'insufficient_privilege';
  END IF;
END $$;

-- whether a value, as the station stores it, breaks its column's rules (one expression, no
-- exceptions, so that checking a push costs little: a date or time is a real day of the
-- calendar, from the year 1000)
CREATE FUNCTION hubapp_is_day(s text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN s ~ '^[1-9][0-9]{{3}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])'
              THEN substr(s, 9, 2)::integer <= extract(day FROM
                     (substr(s, 1, 8) || '01')::date + interval '1 month' - interval '1 day')
              ELSE false END
$$;
CREATE FUNCTION hubapp_value_bad(kind text, longest integer, nullable boolean, v jsonb)
  RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN v IS NULL OR jsonb_typeof(v) = 'null' THEN NOT nullable
    WHEN kind IN ('hub', 'ref', 'id') THEN
      jsonb_typeof(v) <> 'string' OR (v #>> '{{}}') !~ '^[0-9a-f]{{32}}$'
    WHEN kind IN ('text', 'json') THEN
      jsonb_typeof(v) <> 'string' OR length(v #>> '{{}}') > longest
    WHEN kind = 'int' THEN
      jsonb_typeof(v) <> 'number' OR (v #>> '{{}}') !~ '^-?[0-9]{{1,15}}$'
    WHEN kind = 'bool' THEN
      NOT (jsonb_typeof(v) = 'boolean' OR (jsonb_typeof(v) = 'number' AND (v #>> '{{}}') IN ('0', '1')))
    WHEN kind = 'date' THEN
      jsonb_typeof(v) <> 'string' OR (v #>> '{{}}') !~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'
      OR NOT hubapp_is_day(v #>> '{{}}')
    WHEN kind = 'datetime' THEN
      jsonb_typeof(v) <> 'string'
      OR (v #>> '{{}}') !~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{{1,6}})?$'
      OR NOT hubapp_is_day(v #>> '{{}}')
    ELSE true END
$$;

-- the references of a record's fields (rows of other tables it points at; not its case)
CREATE FUNCTION hubapp_refs_of(t text, f jsonb) RETURNS uuid[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(DISTINCT (f ->> c.col)::uuid), '{{}}')
    FROM sync_column c WHERE c.tbl = t AND c.kind = 'ref' AND c.col <> 'case_id'
     AND f ->> c.col IS NOT NULL
$$;

-- erase one record: its change-log entries and conflicts go with it, every hub that had it
-- is told to forget it; a case takes its rows with it (children first) and its shares end
CREATE FUNCTION hubapp_erase_record(rid uuid, st uuid) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE r record; child uuid; n integer := 0;
BEGIN
  SELECT id, tbl, hub_id, case_id INTO r FROM record WHERE id = rid FOR UPDATE;
  IF NOT FOUND THEN RETURN 0; END IF;
  IF r.tbl = 'case_' THEN
    FOR child IN
      SELECT x.id FROM record x JOIN sync_table t ON t.tbl = x.tbl
       WHERE x.case_id = rid AND x.id <> rid ORDER BY t.ord DESC, x.id
    LOOP
      n := n + hubapp_erase_record(child, st);
    END LOOP;
  END IF;
  DELETE FROM change WHERE row_id = r.id;
  DELETE FROM conflict WHERE row_id = r.id;
  DELETE FROM record WHERE id = r.id;
  INSERT INTO change (tbl, row_id, hub_id, case_id, kind, fields, station_id)
    VALUES (r.tbl, r.id, r.hub_id, r.case_id, 'forget', '{{}}', st);
  IF r.case_id IS NOT NULL THEN
    INSERT INTO change (tbl, row_id, hub_id, case_id, audience_hub, kind, fields, station_id)
      SELECT r.tbl, r.id, r.hub_id, r.case_id, s.hub_id, 'forget', '{{}}', st
        FROM case_share s WHERE s.case_id = r.case_id;
    IF r.tbl = 'case_' THEN
      DELETE FROM case_share WHERE case_id = r.id;
    END IF;
  END IF;
  RETURN n + 1;
END $$;

-- one pushed operation, already checked by hubapp_push_batch (``v``: its verdict, see
-- there): 'applied:<conflicts>', or a refusal code
CREATE FUNCTION hubapp_push_one(o jsonb, v jsonb, me uuid, st uuid) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  opid uuid := (o ->> 'op')::uuid; rid uuid := (o ->> 'row')::uuid;
  tbl_ text := o ->> 'tbl'; kind_ text := o ->> 'kind'; f jsonb := o -> 'fields';
  t sync_table; rec record; have boolean; p record;
  hub uuid; cas uuid; parent uuid; pcol text;
  pairs jsonb; applied jsonb := '{{}}'; fld text; pair jsonb;
  base jsonb; new_ jsonb; cur jsonb; new_refs uuid[]; found_ int := 0;
  st_hex text := replace(st::text, '-', ''); cid uuid; k record; now_text text;
BEGIN
  -- a person choosing a conflict's value
  IF tbl_ = 'sync_conflict' AND kind_ = 'resolve' THEN
    SELECT * INTO k FROM conflict WHERE id = rid FOR UPDATE;
    IF NOT FOUND OR k.resolved_at IS NOT NULL THEN RETURN 'applied:0'; END IF;
    IF NOT hubapp_may_write(me, k.hub_id, k.case_id) THEN
      RETURN hubapp_why_not(me, k.case_id);
    END IF;
    UPDATE conflict SET resolved_at = now(), resolved_by = st WHERE id = rid;
    INSERT INTO change (tbl, row_id, hub_id, case_id, kind, fields, station_id, op_id)
      VALUES (k.tbl, k.row_id, k.hub_id, k.case_id, 'resolve',
              jsonb_build_object('id', replace(rid::text, '-', '')), st, opid);
    RETURN 'applied:0';
  END IF;

  IF kind_ IS NULL OR kind_ NOT IN ('insert', 'update', 'erase') THEN RETURN 'invalid'; END IF;
  SELECT * INTO t FROM sync_table WHERE sync_table.tbl = tbl_;
  IF NOT FOUND THEN RETURN 'table'; END IF;
  SELECT * INTO rec FROM record WHERE id = rid FOR UPDATE;
  have := FOUND;

  IF kind_ = 'erase' THEN
    IF NOT have THEN RETURN 'applied:0'; END IF;  -- erased already
    IF rec.tbl <> tbl_ THEN RETURN 'invalid'; END IF;
    IF rec.hub_id IS DISTINCT FROM me THEN
      RETURN CASE WHEN hubapp_may_write(me, rec.hub_id, rec.case_id) THEN 'not_owner'
                  ELSE hubapp_why_not(me, rec.case_id) END;
    END IF;
    PERFORM hubapp_erase_record(rid, st);
    RETURN 'applied:0';
  END IF;

  -- the batch's check of every field (known, well-formed) and reference (visible)
  IF jsonb_typeof(f) IS DISTINCT FROM 'object' OR octet_length(f::text) > {RECORD_BYTES_MAX}
     OR (v ->> 1)::boolean THEN
    RETURN 'invalid';
  END IF;
  IF (v ->> 0)::boolean THEN RETURN 'field'; END IF;
  IF (v ->> 2)::boolean THEN RETURN 'value'; END IF;
  IF EXISTS (SELECT 1 FROM jsonb_array_elements_text(v -> 3) r
              WHERE NOT hubapp_sees(me, r::uuid)) THEN
    RETURN 'reference';
  END IF;

  IF NOT have THEN
    -- a new record: whose it is, the server works out
    IF kind_ <> 'insert' THEN RETURN 'unknown'; END IF;
    IF tbl_ = 'case_' THEN
      hub := (f ->> 'hub_id')::uuid; cas := rid;
      IF hub IS DISTINCT FROM me THEN RETURN 'other_hub'; END IF;
    ELSIF tbl_ = 'station' THEN
      hub := (f ->> 'hub_id')::uuid;
      IF rid <> st OR hub IS DISTINCT FROM me THEN RETURN 'other_hub'; END IF;
    ELSIF cardinality(t.parents) > 0 THEN
      FOREACH pcol IN ARRAY t.parents LOOP
        IF f ->> pcol IS NOT NULL THEN parent := (f ->> pcol)::uuid; EXIT; END IF;
      END LOOP;
      IF parent IS NULL THEN RETURN 'invalid'; END IF;
      SELECT r.hub_id, r.case_id, hubapp_may_write(me, r.hub_id, r.case_id) AS ok
        INTO p FROM record r WHERE r.id = parent;
      IF NOT FOUND THEN RETURN 'reference'; END IF;
      hub := p.hub_id; cas := p.case_id;
      IF NOT p.ok THEN RETURN hubapp_why_not(me, cas); END IF;
    ELSE
      hub := coalesce((f ->> 'hub_id')::uuid, me);
      IF hub <> me THEN RETURN 'other_hub'; END IF;
    END IF;
    f := f || jsonb_build_object('station_id', st_hex);
    new_refs := ARRAY(SELECT DISTINCT r::uuid FROM jsonb_array_elements_text(v -> 4) r);
    INSERT INTO record (id, tbl, hub_id, case_id, refs, foreign_refs, fields, changed_by)
      VALUES (rid, tbl_, hub, cas, new_refs,
              cardinality(new_refs) > 0 AND EXISTS (
                SELECT 1 FROM record x WHERE x.id = ANY(new_refs) AND x.hub_id <> hub),
              f, st);
    INSERT INTO change (tbl, row_id, hub_id, case_id, kind, fields, station_id, op_id)
      VALUES (tbl_, rid, hub, cas, 'insert', f, st, opid);
    RETURN 'applied:0';
  END IF;

  -- an existing record: the station must be allowed to change it, and only what may change
  IF rec.tbl <> tbl_ THEN RETURN 'invalid'; END IF;
  IF tbl_ = 'station' AND rid <> st THEN RETURN 'other_hub'; END IF;
  IF NOT hubapp_may_write(me, rec.hub_id, rec.case_id) THEN
    RETURN hubapp_why_not(me, rec.case_id);
  END IF;
  pairs := CASE WHEN kind_ = 'update' THEN f
                ELSE (SELECT jsonb_object_agg(key, jsonb_build_array(NULL, value))
                        FROM jsonb_each(f)) END;
  FOR fld, pair IN SELECT key, value FROM jsonb_each(coalesce(pairs, '{{}}')) LOOP
    IF fld IN ('updated_at', 'station_id') THEN CONTINUE; END IF;
    base := pair -> 0; new_ := pair -> 1;
    cur := coalesce(rec.fields -> fld, 'null'::jsonb);
    IF cur = new_ THEN CONTINUE; END IF;
    IF fld IN (SELECT c.col FROM sync_column c WHERE c.tbl = tbl_ AND c.fixed) THEN
      RETURN 'fixed';
    END IF;
    IF cur = base OR t.append_only THEN
      applied := applied || jsonb_build_object(fld, new_);
    ELSE
      -- both sides changed it: central keeps its value, the other waits for a person
      cid := gen_random_uuid();
      now_text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US');
      INSERT INTO conflict (id, tbl, row_id, hub_id, case_id, field, base, kept, other,
                            other_station, op_id)
        VALUES (cid, tbl_, rid, rec.hub_id, rec.case_id, fld, base, cur, new_, st, opid);
      INSERT INTO change (tbl, row_id, hub_id, case_id, kind, fields, station_id, op_id)
        VALUES (tbl_, rid, rec.hub_id, rec.case_id, 'conflict', jsonb_build_object(
                  'id', replace(cid::text, '-', ''), 'field', fld, 'base', base, 'kept', cur,
                  'other', new_, 'station', st_hex, 'at', now_text,
                  'meta', jsonb_build_object('updated_at', rec.fields -> 'updated_at',
                                             'station_id', rec.fields -> 'station_id')),
                st, opid);
      found_ := found_ + 1;
    END IF;
  END LOOP;
  IF applied <> '{{}}'::jsonb THEN
    -- the record-keeping columns travel whole, so every replica ends equal
    applied := applied || jsonb_build_object(
      'updated_at', coalesce(pairs -> 'updated_at' -> 1, rec.fields -> 'updated_at'),
      'station_id', st_hex);
    IF coalesce(rec.fields ->> 'voided', '0') IN ('1', 'true') AND NOT pairs ? 'voided' THEN
      -- an edit arriving at a row voided elsewhere: kept, and a person may restore the row
      cid := gen_random_uuid();
      now_text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US');
      INSERT INTO conflict (id, tbl, row_id, hub_id, case_id, field, base, kept, other,
                            other_station, op_id)
        VALUES (cid, tbl_, rid, rec.hub_id, rec.case_id, 'voided', '0', '1', '0', st, opid);
      INSERT INTO change (tbl, row_id, hub_id, case_id, kind, fields, station_id, op_id)
        VALUES (tbl_, rid, rec.hub_id, rec.case_id, 'conflict', jsonb_build_object(
                  'id', replace(cid::text, '-', ''), 'field', 'voided', 'base', 0, 'kept', 1,
                  'other', 0, 'station', st_hex, 'at', now_text,
                  'meta', jsonb_build_object('updated_at', rec.fields -> 'updated_at',
                                             'station_id', rec.fields -> 'station_id')),
                st, opid);
      found_ := found_ + 1;
    END IF;
    f := rec.fields || applied;
    IF jsonb_array_length(v -> 4) > 0 THEN  -- a reference changed: the record's too
      new_refs := hubapp_refs_of(tbl_, f);
      UPDATE record SET fields = f, version = version + 1, changed_by = st, changed_at = now(),
                        refs = new_refs,
                        foreign_refs = EXISTS (SELECT 1 FROM record x WHERE x.id = ANY(new_refs)
                                               AND x.hub_id <> rec.hub_id)
       WHERE id = rid;
    ELSE
      UPDATE record SET fields = f, version = version + 1, changed_by = st, changed_at = now()
       WHERE id = rid;
    END IF;
    INSERT INTO change (tbl, row_id, hub_id, case_id, kind, fields, station_id, op_id)
      VALUES (tbl_, rid, rec.hub_id, rec.case_id, 'update', applied, st, opid);
  END IF;
  RETURN 'applied:' || found_;
END $$;

-- a push: every operation checked and merged on its own; a bad one is refused, never
-- stopping the rest. Returns {{"applied": n, "conflicts": n, "refused": [[op, reason], ...]}}
CREATE FUNCTION hubapp_push_batch(ops jsonb) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  ctx text; me uuid := hubapp_my_hub(); st uuid := hubapp_my_station();
  o jsonb; n bigint; outcome text; applied integer := 0; conflicts integer := 0;
  refused jsonb := '[]'; op_text text; verdicts jsonb; done uuid[];
BEGIN
  GET DIAGNOSTICS ctx = PG_CONTEXT;
  PERFORM hubapp_called_by(ctx, 'hubapp_push');
  IF me IS NULL OR st IS NULL THEN
    RAISE EXCEPTION 'This login is not a registered hubapp station.'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF jsonb_typeof(ops) IS DISTINCT FROM 'array' OR jsonb_array_length(ops) > {PUSH_OPS_MAX}
     OR octet_length(ops::text) > {PUSH_BYTES_MAX} THEN
    RAISE EXCEPTION 'A push carries at most {PUSH_OPS_MAX} changes and {PUSH_BYTES_MAX >> 20} MB.'
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  -- every field of every operation, checked at once: per operation, [a field not allowed,
  -- a malformed change, a value of the wrong kind, the references to check for visibility
  -- (not its parents, which are checked as parents), the references it keeps]
  WITH o AS (
    SELECT e.ordinality AS n, e.value AS v FROM jsonb_array_elements(ops) WITH ORDINALITY e
     WHERE jsonb_typeof(e.value) = 'object' AND jsonb_typeof(e.value -> 'fields') = 'object'),
  fv AS (
    SELECT o.n, o.v ->> 'tbl' AS tbl, k.key, k.value AS raw,
           CASE WHEN o.v ->> 'kind' = 'update' THEN k.value -> 1 ELSE k.value END AS val,
           o.v ->> 'kind' = 'update' AND (jsonb_typeof(k.value) IS DISTINCT FROM 'array'
             OR CASE WHEN jsonb_typeof(k.value) = 'array' THEN jsonb_array_length(k.value)
                     ELSE -1 END <> 2) AS malformed
      FROM o, jsonb_each(o.v -> 'fields') k)
  SELECT jsonb_object_agg(x.n, jsonb_build_array(x.unknown, x.malformed, x.bad,
                                                 coalesce(x.visible, '[]'),
                                                 coalesce(x.kept, '[]')))
    INTO verdicts
    FROM (
      SELECT fv.n, bool_or(c.col IS NULL) AS unknown, bool_or(fv.malformed) AS malformed,
             bool_or(c.col IS NOT NULL AND NOT fv.malformed
                     AND hubapp_value_bad(c.kind, c.max_len, c.nullable, fv.val)) AS bad,
             jsonb_agg(DISTINCT fv.val #>> '{{}}') FILTER (
               WHERE c.kind = 'ref' AND NOT fv.malformed AND jsonb_typeof(fv.val) = 'string'
                 AND NOT c.col = ANY(t.parents)) AS visible,
             jsonb_agg(DISTINCT fv.val #>> '{{}}') FILTER (
               WHERE c.kind = 'ref' AND NOT fv.malformed AND jsonb_typeof(fv.val) = 'string'
                 AND c.col <> 'case_id') AS kept
        FROM fv LEFT JOIN sync_column c ON c.tbl = fv.tbl AND c.col = fv.key
                LEFT JOIN sync_table t ON t.tbl = fv.tbl
       GROUP BY fv.n) x;
  -- from here on, one push at a time: the checks above need no lock, the ledger and the
  -- merge do (what others pushed meanwhile is what this push merges with)
  PERFORM 1 FROM change_serial WHERE id = 1 FOR UPDATE;
  -- the operations pushed before (a retry after a lost answer): skipped
  done := ARRAY(SELECT l.op_id FROM push_ledger l WHERE l.station_id = st AND l.op_id IN (
    SELECT (e ->> 'op')::uuid FROM jsonb_array_elements(ops) e
     WHERE jsonb_typeof(e) = 'object' AND (e ->> 'op') ~ '^[0-9a-f]{{32}}$'));
  FOR o, n IN SELECT e.value, e.ordinality FROM jsonb_array_elements(ops) WITH ORDINALITY e LOOP
    op_text := CASE WHEN jsonb_typeof(o) = 'object' THEN o ->> 'op' END;
    IF NOT coalesce(op_text ~ '^[0-9a-f]{{32}}$' AND (o ->> 'row') ~ '^[0-9a-f]{{32}}$', false) THEN
      outcome := 'invalid';
    ELSIF op_text::uuid = ANY(done) THEN
      CONTINUE;
    ELSE
      outcome := hubapp_push_one(
        o, coalesce(verdicts -> n::text, '[false, false, false, [], []]'), me, st);
    END IF;
    IF outcome LIKE 'applied:%' THEN
      applied := applied + 1;
      conflicts := conflicts + split_part(outcome, ':', 2)::integer;
      INSERT INTO push_ledger (station_id, op_id, outcome)
        VALUES (st, op_text::uuid, 'applied') ON CONFLICT DO NOTHING;
    ELSE
      refused := refused || jsonb_build_array(jsonb_build_array(op_text, outcome));
      IF op_text ~ '^[0-9a-f]{{32}}$' THEN
        INSERT INTO push_ledger (station_id, op_id, outcome)
          VALUES (st, op_text::uuid, 'refused') ON CONFLICT DO NOTHING;
      END IF;
    END IF;
  END LOOP;
  RETURN jsonb_build_object('applied', applied, 'conflicts', conflicts, 'refused', refused);
END $$;

-- (a procedure with a SET clause may not COMMIT: it names what it calls in full instead)
CREATE PROCEDURE hubapp_push(ops jsonb, INOUT result jsonb DEFAULT NULL) LANGUAGE plpgsql AS $$
BEGIN
  result := public.hubapp_push_batch(ops);
  COMMIT;
END $$;

-- sharing: the owning hub alone shares and ends a share; the server writes what is sent --
CREATE FUNCTION hubapp_share_case(case_ uuid, target uuid, stop boolean) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  ctx text; me uuid := hubapp_my_hub(); st uuid := hubapp_my_station(); owner uuid;
  n integer := 0;
BEGIN
  GET DIAGNOSTICS ctx = PG_CONTEXT;
  PERFORM hubapp_called_by(ctx, CASE WHEN stop THEN 'hubapp_unshare' ELSE 'hubapp_share' END);
  IF me IS NULL OR st IS NULL THEN
    RAISE EXCEPTION 'This login is not a registered hubapp station.'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM 1 FROM change_serial WHERE id = 1 FOR UPDATE;
  SELECT hub_id INTO owner FROM record WHERE id = case_ AND tbl = 'case_';
  IF NOT FOUND OR NOT hubapp_sees(me, case_) THEN
    RAISE EXCEPTION 'That case is not one this hub can see in the central database; if it is new, sync first.'
      USING HINT = 'not_synced';
  END IF;
  IF owner <> me THEN
    RAISE EXCEPTION 'Only the case''s own hub can share it or stop sharing it.'
      USING HINT = 'not_owner';
  END IF;
  IF target IS NULL OR target = me THEN
    RAISE EXCEPTION 'The case already belongs to this hub.' USING HINT = 'own_hub';
  END IF;
  IF NOT stop THEN
    INSERT INTO case_share (case_id, hub_id, owner_hub, shared_by)
      VALUES (case_, target, me, st) ON CONFLICT DO NOTHING;
    INSERT INTO change (tbl, row_id, hub_id, case_id, audience_hub, kind, fields, station_id)
      SELECT r.tbl, r.id, r.hub_id, case_, target, 'snapshot', r.fields, st
        FROM record r JOIN sync_table t ON t.tbl = r.tbl
       WHERE r.case_id = case_
          OR r.id IN (SELECT unnest(x.refs) FROM record x WHERE x.case_id = case_)
       ORDER BY t.ord, r.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
  END IF;
  DELETE FROM case_share WHERE case_id = case_ AND hub_id = target;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'The case is not shared with that hub.' USING HINT = 'not_shared';
  END IF;
  -- what the other hub no longer sees: the case's rows, and what they point at unless the
  -- other hub still sees it another way (its own rows, another shared case)
  INSERT INTO change (tbl, row_id, hub_id, case_id, audience_hub, kind, fields, station_id)
    SELECT r.tbl, r.id, r.hub_id, case_, target, 'forget', '{{}}', st
      FROM record r JOIN sync_table t ON t.tbl = r.tbl
     WHERE (r.case_id = case_
            OR (r.id IN (SELECT unnest(x.refs) FROM record x WHERE x.case_id = case_)
                AND r.hub_id <> target AND NOT hubapp_sees(target, r.id)))
     ORDER BY t.ord DESC, r.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
CREATE PROCEDURE hubapp_share(case_ uuid, target uuid, INOUT result integer DEFAULT NULL)
  LANGUAGE plpgsql AS $$
BEGIN
  result := public.hubapp_share_case(case_, target, false);
  COMMIT;
END $$;
CREATE PROCEDURE hubapp_unshare(case_ uuid, target uuid, INOUT result integer DEFAULT NULL)
  LANGUAGE plpgsql AS $$
BEGIN
  result := public.hubapp_share_case(case_, target, true);
  COMMIT;
END $$;

-- clean-up of what a station could forge before this revision -----------------------------
DELETE FROM record WHERE tbl NOT IN (SELECT tbl FROM sync_table) OR hub_id IS NULL;
UPDATE record r SET refs = hubapp_refs_of(r.tbl, r.fields);
UPDATE record r SET foreign_refs = EXISTS (SELECT 1 FROM record x WHERE x.id = ANY(r.refs)
                                           AND x.hub_id <> r.hub_id);
DELETE FROM case_share s WHERE NOT EXISTS (
  SELECT 1 FROM record r WHERE r.id = s.case_id AND r.tbl = 'case_' AND r.hub_id = s.owner_hub);
DELETE FROM change WHERE tbl NOT IN (SELECT tbl FROM sync_table)
   OR kind NOT IN ('insert', 'update', 'conflict', 'resolve', 'snapshot', 'forget');
DELETE FROM change c USING record r
 WHERE r.id = coalesce(c.case_id, c.row_id) AND r.hub_id IS DISTINCT FROM c.hub_id;
DELETE FROM change c
 WHERE c.audience_hub IS NOT NULL AND c.kind <> 'forget' AND NOT EXISTS (
   SELECT 1 FROM case_share s WHERE s.case_id = c.case_id AND s.hub_id = c.audience_hub
      AND s.owner_hub = c.hub_id);

-- station roles: no temporary, large or new objects; timeouts and a connection limit -----
DO $$
DECLARE r text; su boolean;
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), current_user);
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  SELECT rolsuper INTO su FROM pg_roles WHERE rolname = current_user;
  IF su THEN
    REVOKE EXECUTE ON FUNCTION lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea),
      lo_import(text), lo_import(text, oid), lo_put(oid, bigint, bytea),
      lo_open(oid, integer), lo_unlink(oid) FROM PUBLIC;
  ELSE
    RAISE WARNING 'Large objects stay open to every role: revoking them needs a superuser.';
  END IF;
  FOR r IN SELECT role_name FROM hub_station LOOP
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT {CONNECTION_LIMIT}', r);
    {settings}
  END LOOP;
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC, {STATION_GROUP};
REVOKE ALL ON ALL PROCEDURES IN SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON ROUTINES FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hubapp_my_hub(), hubapp_my_station(), hubapp_register(uuid),
  hubapp_high_water(), hubapp_my_ref_prefix(), hubapp_push_batch(jsonb),
  hubapp_share_case(uuid, uuid, boolean) TO {STATION_GROUP};
GRANT EXECUTE ON PROCEDURE hubapp_push(jsonb, jsonb), hubapp_share(uuid, uuid, integer),
  hubapp_unshare(uuid, uuid, integer) TO {STATION_GROUP};
UPDATE central_info SET value = '2' WHERE key = 'min_station_schema';
""")


def downgrade() -> None:  # pragma: no cover - a security fix is not taken back
    raise NotImplementedError("c0006 closes holes that a downgrade would open again.")
