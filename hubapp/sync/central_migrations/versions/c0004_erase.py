"""central: erasure carried from a station

Revision ID: c0004
Revises: c0003
Create Date: 2026-11-25 19:00:00.000000

A station that erases a row (retention, a subject's request) pushes an ``erase`` op;
``hubapp_erase`` deletes the record, every earlier change-log entry and open conflict that
holds its values, and logs a ``forget`` (no values) that makes the other stations delete
their copies. It runs as the owner, so it checks the caller's right itself: the row must be
its hub's or belong to a case shared with its hub, as for any write. A case shared with other
hubs has its forget entries addressed to each of them too, and its shares end with it.
Compatible: older stations never send ``erase``.
"""

from alembic import op

revision = "c0004"
down_revision = "c0003"
branch_labels = None
depends_on = None

STATION_GROUP = "hubapp_station"


def upgrade() -> None:
    op.execute(f"""
CREATE FUNCTION hubapp_erase(ids uuid[]) RETURNS SETOF uuid LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  me uuid := hubapp_my_hub();
  station uuid := hubapp_my_station();
  r record;
BEGIN
  FOR r IN
    SELECT id, tbl, hub_id, case_id FROM record WHERE id = ANY(ids)
      AND (hub_id = me OR case_id IN (SELECT hubapp_shared_cases(me)))
    ORDER BY array_position(ids, id)
    FOR UPDATE
  LOOP
    DELETE FROM change WHERE row_id = r.id;
    DELETE FROM conflict WHERE row_id = r.id;
    DELETE FROM record WHERE id = r.id;
    INSERT INTO change (tbl, row_id, hub_id, case_id, kind, fields, station_id)
      VALUES (r.tbl, r.id, r.hub_id, r.case_id, 'forget', '{{}}', station);
    IF r.case_id IS NOT NULL THEN
      INSERT INTO change (tbl, row_id, hub_id, case_id, audience_hub, kind, fields, station_id)
        SELECT r.tbl, r.id, r.hub_id, r.case_id, s.hub_id, 'forget', '{{}}', station
        FROM case_share s WHERE s.case_id = r.case_id;
      IF r.tbl = 'case_' THEN
        DELETE FROM case_share WHERE case_id = r.id;
      END IF;
    END IF;
    RETURN NEXT r.id;
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION hubapp_erase(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hubapp_erase(uuid[]) TO {STATION_GROUP};
""")


def downgrade() -> None:
    op.execute("DROP FUNCTION hubapp_erase(uuid[])")
