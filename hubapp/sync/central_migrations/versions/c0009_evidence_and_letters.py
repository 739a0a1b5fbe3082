"""central: evidence and letters (station schema 0013)

Revision ID: c0009
Revises: c0008
Create Date: 2026-12-07 23:50:00.000000

Three synced tables join the allow-list, checked by the same rules as every other:

* rows of a case (their parent): ``attachment`` (a file's record: its content travels
  separately, in chunks) and ``communication`` (a letter sent, append-only); the contacts,
  actions, interventions, people and attachments they point at the station must see. What a
  file is (its name, size, SHA-256 and chunking) never changes once recorded;
* rows of the writing station's hub: ``letter_template`` (a hub's versions of a standard
  letter, append-only).

An attachment's content travels through a channel of its own, under the same rules as its
record (``hubapp.sync.files`` is the station's side):

* ``attachment_chunk``: the chunks central holds (attachment, number, bytes), gone with their
  record (a foreign key: erasing the attachment's record, or its case, takes them). No station
  holds any privilege on it.
* **Writes** through one procedure, ``hubapp_push_chunks`` (a batch of at most
  ``CHUNKS_MAX`` chunks and ``PUSH_BYTES_MAX`` bytes), which calls a SECURITY DEFINER function
  that re-checks each chunk against central's own record: the attachment's record exists,
  the caller may write its case (its hub's, or a case shared with its hub: as for every row of
  a case), the number is below the record's ``chunk_count``, the chunk is no larger than its
  ``chunk_size`` and all the chunks together no larger than its ``size``. A chunk central
  holds already is accepted again without change (a retry after a lost answer); a different
  one for the same place is refused. When the last chunk arrives, the whole content is held
  against the record's SHA-256: on a mismatch every chunk of it is dropped. The procedure
  COMMITs, so nothing a station holds stays locked.
* **Reads** through ``station_attachment_chunk`` (``security_barrier``): the chunks of the
  attachment records the caller sees through ``station_record``, no others.

Compatible: an older station never sends these tables, and one that pulls them sets the rows
aside as a table it does not know (``hubapp.sync.inbound``).
"""

from alembic import op

from hubapp.sync.central_migrations.versions import c0006_station_trust as c0006
from hubapp.sync.central_migrations.versions import c0007_merges_and_links as c0007
from hubapp.sync.central_migrations.versions import c0008_statutory_casework as c0008

revision = "c0009"
down_revision = "c0008"
branch_labels = None
depends_on = None

_META = c0007._META

#: the columns of the new tables, as c0006.C lists the others
C = {
    "attachment": [
        ("case_id", "ref", None, False), ("title", "text", 200, False),
        ("kind", "text", 16, False), ("file_name", "text", 255, False),
        ("media_type", "text", 100, False), ("size", "int", None, False),
        ("sha256", "text", 64, False), ("chunk_size", "int", None, False),
        ("chunk_count", "int", None, False), ("added_by", "text", 120, False),
        ("agency_id", "id", None, True), ("contact_id", "ref", None, True),
        ("action_id", "ref", None, True), ("intervention_id", "ref", None, True),
        ("note", "text", None, False), *_META,
    ],
    "letter_template": [
        ("hub_id", "hub", None, False), ("name", "text", 60, False),
        ("version", "int", None, False), ("title", "text", 200, False),
        ("agencies", "json", None, False), ("marking", "text", 40, False),
        ("subject", "text", 200, False), ("body", "text", None, False),
        ("edited_by", "text", 120, False), ("reason", "text", None, False), *_META,
    ],
    "communication": [
        ("case_id", "ref", None, False), ("person_id", "ref", None, True),
        ("method", "text", 12, False), ("template_name", "text", 60, False),
        ("template_version", "int", None, True), ("subject", "text", 200, False),
        ("address", "text", None, False), ("agency_id", "id", None, True),
        ("sent_by", "text", 120, False), ("sent_at", "datetime", None, False),
        ("attachment_id", "ref", None, True), ("batch_id", "id", None, True), *_META,
    ],
}  # fmt: skip
PARENTS = {"attachment": ("case_id",), "communication": ("case_id",)}
APPEND_ONLY = ("letter_template", "communication")
#: what a file is, and what a letter was, never change once recorded
FIXED = {("attachment", c) for c in ("file_name", "media_type", "size", "sha256",
                                     "chunk_size", "chunk_count")} | {
    ("communication", c) for c in ("person_id", "template_name", "template_version",
                                   "sent_at", "attachment_id", "batch_id")} | {
    ("letter_template", c) for c in ("name", "version", "body")}  # fmt: skip


#: the most chunks one content push may carry (its bytes are bounded by c0006.PUSH_BYTES_MAX)
CHUNKS_MAX = 256
#: the largest one chunk may be, and one attachment's whole content (central's own bounds,
#: whatever a record says)
CHUNK_BYTES_MAX = 4 << 20
CONTENT_BYTES_MAX = 512 << 20
STATION_GROUP = c0006.STATION_GROUP

CONTENT_SQL = f"""
CREATE TABLE attachment_chunk (
  attachment_id uuid NOT NULL REFERENCES record (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 0),
  data bytea NOT NULL,
  size integer NOT NULL,
  station_id uuid,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (attachment_id, seq)
);
ALTER TABLE attachment_chunk ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachment_chunk FORCE ROW LEVEL SECURITY;
CREATE POLICY attachment_chunk_owner ON attachment_chunk TO CURRENT_USER
  USING (true) WITH CHECK (true);
REVOKE ALL ON attachment_chunk FROM PUBLIC, {STATION_GROUP};

-- the chunks of the attachment records the caller sees (station_record works out its hub)
CREATE VIEW station_attachment_chunk WITH (security_barrier) AS
  SELECT k.attachment_id, k.seq, k.data
    FROM attachment_chunk k
   WHERE k.attachment_id IN (SELECT r.id FROM station_record r WHERE r.tbl = 'attachment');
GRANT SELECT ON station_attachment_chunk TO {STATION_GROUP};

-- one batch of chunks: each re-checked against central's own record; returns
-- {{"applied": n, "refused": [[attachment, seq, reason], ...]}}
CREATE FUNCTION hubapp_push_chunks_batch(ids uuid[], seqs integer[], datas bytea[])
  RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  ctx text; me uuid := hubapp_my_hub(); st uuid := hubapp_my_station();
  n integer; i integer; aid uuid; s integer; d bytea; rec record; old bytea;
  cnt bigint; csz bigint; sz bigint; held bigint; outcome text; applied integer := 0;
  refused jsonb := '[]'; whole text;
BEGIN
  GET DIAGNOSTICS ctx = PG_CONTEXT;
  PERFORM hubapp_called_by(ctx, 'hubapp_push_chunks');
  IF me IS NULL OR st IS NULL THEN
    RAISE EXCEPTION 'This login is not a registered hubapp station.'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  n := coalesce(cardinality(ids), 0);
  IF ids IS NULL OR seqs IS NULL OR datas IS NULL OR cardinality(seqs) <> n
     OR cardinality(datas) <> n OR n > {CHUNKS_MAX}
     OR (SELECT coalesce(sum(octet_length(x)), 0) FROM unnest(datas) x) > {c0006.PUSH_BYTES_MAX} THEN
    RAISE EXCEPTION 'A content push carries at most {CHUNKS_MAX} chunks and {c0006.PUSH_BYTES_MAX >> 20} MB.'
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  FOR i IN 1 .. n LOOP
    aid := ids[i]; s := seqs[i]; d := datas[i];
    outcome := NULL;
    IF aid IS NULL OR s IS NULL OR d IS NULL THEN
      outcome := 'invalid';
    ELSE
      -- (the record's row lock: one writer of an attachment's content at a time)
      SELECT r.hub_id, r.case_id, r.fields INTO rec FROM record r
       WHERE r.id = aid AND r.tbl = 'attachment' FOR UPDATE;
      IF NOT FOUND THEN
        outcome := 'unknown';
      ELSIF NOT hubapp_may_write(me, rec.hub_id, rec.case_id) THEN
        outcome := hubapp_why_not(me, rec.case_id);
      ELSE
        cnt := (rec.fields ->> 'chunk_count')::bigint;
        csz := least((rec.fields ->> 'chunk_size')::bigint, {CHUNK_BYTES_MAX});
        sz := (rec.fields ->> 'size')::bigint;
        IF cnt IS NULL OR csz IS NULL OR sz IS NULL THEN
          outcome := 'invalid';
        ELSIF s < 0 OR s >= cnt THEN
          outcome := 'seq';
        ELSIF octet_length(d) = 0 OR octet_length(d) > csz OR sz > {CONTENT_BYTES_MAX} THEN
          outcome := 'size';
        ELSE
          SELECT k.data INTO old FROM attachment_chunk k WHERE k.attachment_id = aid AND k.seq = s;
          IF FOUND THEN
            outcome := CASE WHEN old = d THEN 'applied' ELSE 'differs' END;
          ELSE
            SELECT coalesce(sum(k.size), 0) INTO held FROM attachment_chunk k
             WHERE k.attachment_id = aid;
            IF held + octet_length(d) > sz THEN
              outcome := 'size';
            ELSE
              INSERT INTO attachment_chunk (attachment_id, seq, data, size, station_id)
                VALUES (aid, s, d, octet_length(d), st);
              outcome := 'applied';
              IF (SELECT count(*) FROM attachment_chunk k WHERE k.attachment_id = aid) = cnt THEN
                -- the whole content: it must be what the record says
                SELECT encode(sha256(string_agg(k.data, ''::bytea ORDER BY k.seq)), 'hex')
                  INTO whole FROM attachment_chunk k WHERE k.attachment_id = aid;
                IF whole IS DISTINCT FROM rec.fields ->> 'sha256'
                   OR held + octet_length(d) <> sz THEN
                  DELETE FROM attachment_chunk k WHERE k.attachment_id = aid;
                  outcome := 'checksum';
                END IF;
              END IF;
            END IF;
          END IF;
        END IF;
      END IF;
    END IF;
    IF outcome = 'applied' THEN
      applied := applied + 1;
    ELSE
      refused := refused || jsonb_build_array(jsonb_build_array(
        replace(aid::text, '-', ''), s, outcome));
    END IF;
  END LOOP;
  RETURN jsonb_build_object('applied', applied, 'refused', refused);
END $$;

-- (a procedure with a SET clause may not COMMIT: it names what it calls in full instead)
CREATE PROCEDURE hubapp_push_chunks(ids uuid[], seqs integer[], datas bytea[],
                                    INOUT result jsonb DEFAULT NULL) LANGUAGE plpgsql AS $$
BEGIN
  result := public.hubapp_push_chunks_batch(ids, seqs, datas);
  COMMIT;
END $$;
REVOKE ALL ON FUNCTION hubapp_push_chunks_batch(uuid[], integer[], bytea[]) FROM PUBLIC;
REVOKE ALL ON PROCEDURE hubapp_push_chunks(uuid[], integer[], bytea[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hubapp_push_chunks_batch(uuid[], integer[], bytea[])
  TO {STATION_GROUP};
GRANT EXECUTE ON PROCEDURE hubapp_push_chunks(uuid[], integer[], bytea[], jsonb)
  TO {STATION_GROUP};
"""


def upgrade() -> None:
    op.execute(c0006.allow_list_sql(C, PARENTS, APPEND_ONLY, FIXED,
                                    first=len(c0006.C) + len(c0007.C) + len(c0008.C)))  # fmt: skip
    op.execute(CONTENT_SQL)


def downgrade() -> None:
    tables = ", ".join(f"'{t}'" for t in C)
    op.execute("DROP PROCEDURE hubapp_push_chunks(uuid[], integer[], bytea[], jsonb);"
               "DROP FUNCTION hubapp_push_chunks_batch(uuid[], integer[], bytea[]);"
               "DROP VIEW station_attachment_chunk; DROP TABLE attachment_chunk;")  # fmt: skip
    op.execute(f"DELETE FROM sync_column WHERE tbl IN ({tables});"
               f"DELETE FROM sync_table WHERE tbl IN ({tables});")  # fmt: skip
