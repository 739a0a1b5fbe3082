"""central: rows, change log, push ledger, conflicts, case sharing, roles, row-level security

Revision ID: c0001
Revises:
Create Date: 2026-12-02 10:00:00.000000

Rows are kept in one table, ``record``, as the JSON of their fields in the stations' stored
form, with the columns row-level security needs (owner hub, case) typed beside them. The
change log ``change`` is numbered by a BEFORE INSERT trigger that first takes a transaction
advisory lock: writers of the log are serialised, so numbers are handed out in commit order
and a pull cursor (the last number seen) can never skip a row committed late.
"""

from alembic import op

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None

STATION_GROUP = "hubapp_station"
LOCK_KEY = 7_246_873_001  # pg_advisory_xact_lock key of the change log

_ME = "(SELECT hubapp_my_hub())"
_VISIBLE = (
    f"hub_id = {_ME} OR hub_id IS NULL"
    f" OR case_id IN (SELECT hubapp_shared_cases({_ME}))"
    " OR {id} IN (SELECT hubapp_ref_ids(" + _ME + "))"
)
_WRITABLE = f"hub_id = {_ME} OR case_id IN (SELECT hubapp_shared_cases({_ME}))"


def upgrade() -> None:
    op.execute(f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{STATION_GROUP}') THEN
    CREATE ROLE {STATION_GROUP} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$;

CREATE TABLE central_info (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO central_info VALUES ('min_station_schema', '1');

CREATE TABLE hub_station (
  role_name text PRIMARY KEY,
  hub_id uuid NOT NULL,
  station_name text NOT NULL,
  station_id uuid UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE record (
  id uuid PRIMARY KEY,
  tbl text NOT NULL,
  hub_id uuid,
  case_id uuid,
  refs uuid[] NOT NULL DEFAULT '{{}}',
  foreign_refs boolean NOT NULL DEFAULT false,
  fields jsonb NOT NULL,
  version bigint NOT NULL DEFAULT 1,
  changed_by uuid,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_record_hub ON record (hub_id, tbl);
CREATE INDEX ix_record_case ON record (case_id);
CREATE INDEX ix_record_foreign ON record (hub_id) WHERE foreign_refs;

CREATE SEQUENCE change_id_seq;
CREATE TABLE change (
  id bigint PRIMARY KEY,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  tbl text NOT NULL,
  row_id uuid NOT NULL,
  hub_id uuid,
  case_id uuid,
  audience_hub uuid,
  kind text NOT NULL,
  fields jsonb NOT NULL,
  station_id uuid,
  op_id uuid,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_change_audience ON change (audience_hub, id) WHERE audience_hub IS NOT NULL;

CREATE FUNCTION change_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock({LOCK_KEY});
  NEW.id := nextval('change_id_seq');
  RETURN NEW;
END $$;
CREATE TRIGGER change_number BEFORE INSERT ON change FOR EACH ROW EXECUTE FUNCTION change_number();

CREATE TABLE push_ledger (
  station_id uuid NOT NULL,
  op_id uuid NOT NULL,
  outcome text NOT NULL DEFAULT 'applied',
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, op_id)
);

CREATE TABLE conflict (
  id uuid PRIMARY KEY,
  tbl text NOT NULL,
  row_id uuid NOT NULL,
  hub_id uuid,
  case_id uuid,
  field text NOT NULL,
  base jsonb,
  kept jsonb,
  other jsonb,
  other_station uuid,
  op_id uuid,
  detected_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  resolved_by uuid
);

CREATE TABLE case_share (
  case_id uuid NOT NULL,
  hub_id uuid NOT NULL,
  owner_hub uuid NOT NULL,
  shared_by uuid,
  shared_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, hub_id)
);
CREATE INDEX ix_case_share_hub ON case_share (hub_id);

-- Visibility helpers. SECURITY DEFINER (owned by the administrator who ran central init) so
-- that policies can consult the tables they protect without recursing into themselves.
CREATE FUNCTION hubapp_my_hub() RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$ SELECT hub_id FROM hub_station WHERE role_name = session_user $$;
CREATE FUNCTION hubapp_my_station() RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$ SELECT station_id FROM hub_station WHERE role_name = session_user $$;
CREATE FUNCTION hubapp_shared_cases(h uuid) RETURNS SETOF uuid LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT case_id FROM case_share WHERE hub_id = h $$;
-- rows (people, places, meetings) referenced by the cases shared with hub h, and by the
-- rows of hub h that point at another hub's rows
CREATE FUNCTION hubapp_ref_ids(h uuid) RETURNS SETOF uuid LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT DISTINCT unnest(r.refs) FROM record r
     WHERE r.case_id IN (SELECT case_id FROM case_share WHERE hub_id = h)
        OR (r.hub_id = h AND r.foreign_refs)
  $$;
-- which of these ids exist at all (visible or not): a push must not insert over a row it
-- cannot see; ids are random UUIDs, so this tells nothing about anyone
CREATE FUNCTION hubapp_existing(ids uuid[]) RETURNS SETOF uuid LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT id FROM record WHERE id = ANY(ids) $$;
-- the newest change number in the caller's snapshot (an initial pull starts after it)
CREATE FUNCTION hubapp_high_water() RETURNS bigint LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT coalesce(max(id), 0) FROM change $$;
-- a station binds its own id to its role on its first sync (and only then)
CREATE FUNCTION hubapp_register(sid uuid) RETURNS uuid LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE bound uuid; hub uuid;
BEGIN
  SELECT station_id, hub_id INTO bound, hub FROM hub_station WHERE role_name = session_user;
  IF hub IS NULL THEN RAISE EXCEPTION 'this role is not a hubapp station'; END IF;
  IF bound IS NULL THEN
    UPDATE hub_station SET station_id = sid WHERE role_name = session_user;
  ELSIF bound <> sid THEN
    RAISE EXCEPTION 'these credentials belong to another station';
  END IF;
  RETURN hub;
END $$;

ALTER TABLE record ENABLE ROW LEVEL SECURITY;
ALTER TABLE record FORCE ROW LEVEL SECURITY;
CREATE POLICY record_station ON record TO {STATION_GROUP}
  USING ({_VISIBLE.format(id="id")}) WITH CHECK ({_WRITABLE});

ALTER TABLE change ENABLE ROW LEVEL SECURITY;
ALTER TABLE change FORCE ROW LEVEL SECURITY;
CREATE POLICY change_station ON change TO {STATION_GROUP}
  USING (CASE WHEN audience_hub IS NOT NULL THEN audience_hub = {_ME}
              ELSE ({_VISIBLE.format(id="row_id")}) END)
  WITH CHECK ({_WRITABLE});

ALTER TABLE conflict ENABLE ROW LEVEL SECURITY;
ALTER TABLE conflict FORCE ROW LEVEL SECURITY;
CREATE POLICY conflict_station ON conflict TO {STATION_GROUP}
  USING ({_WRITABLE}) WITH CHECK ({_WRITABLE});

ALTER TABLE push_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE push_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY push_ledger_station ON push_ledger TO {STATION_GROUP}
  USING (station_id = (SELECT hubapp_my_station()))
  WITH CHECK (station_id = (SELECT hubapp_my_station()));

ALTER TABLE case_share ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_share FORCE ROW LEVEL SECURITY;
CREATE POLICY case_share_station ON case_share TO {STATION_GROUP}
  USING (owner_hub = {_ME} OR hub_id = {_ME}) WITH CHECK (owner_hub = {_ME});

ALTER TABLE hub_station ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_station FORCE ROW LEVEL SECURITY;
ALTER TABLE central_info ENABLE ROW LEVEL SECURITY;
ALTER TABLE central_info FORCE ROW LEVEL SECURITY;
CREATE POLICY central_info_read ON central_info TO {STATION_GROUP} USING (true);

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {STATION_GROUP};
GRANT SELECT, INSERT, UPDATE ON record, change, conflict TO {STATION_GROUP};
GRANT SELECT, INSERT ON push_ledger TO {STATION_GROUP};
GRANT SELECT, INSERT, DELETE ON case_share TO {STATION_GROUP};
GRANT SELECT ON central_info, hubapp_central_version TO {STATION_GROUP};
GRANT USAGE ON SEQUENCE change_id_seq TO {STATION_GROUP};
GRANT EXECUTE ON FUNCTION hubapp_my_hub(), hubapp_my_station(), hubapp_shared_cases(uuid),
  hubapp_ref_ids(uuid), hubapp_existing(uuid[]), hubapp_register(uuid), change_number(),
  hubapp_high_water()
  TO {STATION_GROUP};
""")


def downgrade() -> None:
    op.execute("""
DROP TABLE IF EXISTS case_share, conflict, push_ledger, change, record, hub_station,
  central_info CASCADE;
DROP SEQUENCE IF EXISTS change_id_seq;
DROP FUNCTION IF EXISTS change_number(), hubapp_my_hub(), hubapp_my_station(),
  hubapp_shared_cases(uuid), hubapp_ref_ids(uuid), hubapp_existing(uuid[]), hubapp_register(uuid),
  hubapp_high_water();
""")
