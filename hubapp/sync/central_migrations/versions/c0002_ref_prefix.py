"""central: a case reference prefix per station of a hub

Revision ID: c0002
Revises: c0001
Create Date: 2026-12-03 10:00:00.000000

``central add-station`` gives the second and later stations of a hub a distinct prefix
(B, C, ... then BA, BB, ...); a station reads its own with ``hubapp_my_ref_prefix()`` when it
syncs and sets ``station.ref_prefix`` if nobody has set one by hand. Compatible: older
stations do not call the function, so ``min_station_schema`` stays where it is.
"""

from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None

STATION_GROUP = "hubapp_station"


def upgrade() -> None:
    op.execute(f"""
ALTER TABLE hub_station ADD COLUMN ref_prefix text NOT NULL DEFAULT '';
-- stations added before this revision all have ''; from now on each new one is distinct
CREATE UNIQUE INDEX uq_hub_station_prefix ON hub_station (hub_id, ref_prefix)
  WHERE ref_prefix <> '';
CREATE FUNCTION hubapp_my_ref_prefix() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$ SELECT ref_prefix FROM hub_station WHERE role_name = session_user $$;
REVOKE ALL ON FUNCTION hubapp_my_ref_prefix() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hubapp_my_ref_prefix() TO {STATION_GROUP};
""")


def downgrade() -> None:
    op.execute("""
DROP FUNCTION hubapp_my_ref_prefix();
DROP INDEX uq_hub_station_prefix;
ALTER TABLE hub_station DROP COLUMN ref_prefix;
""")
