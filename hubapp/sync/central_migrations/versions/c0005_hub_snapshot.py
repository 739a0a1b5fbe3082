"""central: ready-made first copies of each hub (hub snapshots)

Revision ID: c0005
Revises: c0004
Create Date: 2026-11-25 20:00:00.000000

``hubapp central snapshot`` builds, for each hub, the encrypted station database a new
station of that hub would make by its first copy, and keeps it here in chunks with its own
random key, the station schema it was made with and the change number it is complete up to
(``hubapp.sync.snapshot``). A new station downloads it, re-encrypts it under its own key and
pulls the changes after that number. Only the hub's own stations can read it (row-level
security, ENABLE and FORCE, as everywhere).

A snapshot must never keep what central no longer keeps: erasing a record drops every stored
snapshot, and ending a share drops the snapshot of the hub that lost the case (the next
scheduled build makes them again). Compatible: older stations never read these tables.
"""

from alembic import op

revision = "c0005"
down_revision = "c0004"
branch_labels = None
depends_on = None

STATION_GROUP = "hubapp_station"


def upgrade() -> None:
    op.execute(f"""
CREATE TABLE hub_snapshot (
  hub_id uuid PRIMARY KEY,
  built_at timestamptz NOT NULL DEFAULT now(),
  station_schema text NOT NULL,
  high_water bigint NOT NULL,
  file_key bytea NOT NULL,
  sha256 bytea NOT NULL,
  size bigint NOT NULL,
  chunks integer NOT NULL,
  rows bigint NOT NULL
);
CREATE TABLE hub_snapshot_chunk (
  hub_id uuid NOT NULL REFERENCES hub_snapshot ON DELETE CASCADE,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (hub_id, n)
);
-- encrypted pages do not compress: store them as they are
ALTER TABLE hub_snapshot_chunk ALTER COLUMN data SET STORAGE EXTERNAL;

ALTER TABLE hub_snapshot ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_snapshot FORCE ROW LEVEL SECURITY;
CREATE POLICY hub_snapshot_station ON hub_snapshot TO {STATION_GROUP}
  USING (hub_id = (SELECT hubapp_my_hub()));
CREATE POLICY hub_snapshot_owner ON hub_snapshot TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE hub_snapshot_chunk ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_snapshot_chunk FORCE ROW LEVEL SECURITY;
CREATE POLICY hub_snapshot_chunk_station ON hub_snapshot_chunk TO {STATION_GROUP}
  USING (hub_id = (SELECT hubapp_my_hub()));
CREATE POLICY hub_snapshot_chunk_owner ON hub_snapshot_chunk TO CURRENT_USER
  USING (true) WITH CHECK (true);
REVOKE ALL ON hub_snapshot, hub_snapshot_chunk FROM PUBLIC;
GRANT SELECT ON hub_snapshot, hub_snapshot_chunk TO {STATION_GROUP};

-- an erased record leaves no stored snapshot behind
CREATE FUNCTION hubapp_snapshots_after_erasure() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM gone) THEN
    DELETE FROM hub_snapshot;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER record_erased_drops_snapshots AFTER DELETE ON record
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION hubapp_snapshots_after_erasure();

-- a hub that loses a shared case loses the snapshot that holds it
CREATE FUNCTION hubapp_snapshot_after_unshare() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM hub_snapshot WHERE hub_id = OLD.hub_id;
  RETURN NULL;
END $$;
CREATE TRIGGER case_unshared_drops_snapshot AFTER DELETE ON case_share
  FOR EACH ROW EXECUTE FUNCTION hubapp_snapshot_after_unshare();
REVOKE ALL ON FUNCTION hubapp_snapshots_after_erasure(), hubapp_snapshot_after_unshare()
  FROM PUBLIC;
""")


def downgrade() -> None:
    op.execute("""
DROP TRIGGER case_unshared_drops_snapshot ON case_share;
DROP TRIGGER record_erased_drops_snapshots ON record;
DROP FUNCTION hubapp_snapshot_after_unshare();
DROP FUNCTION hubapp_snapshots_after_erasure();
DROP TABLE hub_snapshot_chunk;
DROP TABLE hub_snapshot;
""")
