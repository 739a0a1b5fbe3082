"""Optional sync with one central PostgreSQL database (no Qt; see docs/sync.md).

* ``capture``: SQLite triggers write each local change into the outbox, in its transaction;
* ``central``: the central schema (its own Alembic line), roles and row-level security;
* ``engine``: one push-then-pull round (``Syncer``);
* ``files``: attachments' content, in chunks, after the rows of each round;
* ``conflicts``: the store API to list and resolve conflicts;
* ``credentials``: where a station keeps its connection (the operating system's keyring);
* ``pgserver``: a throw-away PostgreSQL server for the tests and the benchmark (never used
  by the app).

psycopg is imported only when a sync or a central command runs: the app is complete without it.
"""
