"""Alembic environment of the central PostgreSQL schema (its own line, apart from SQLite's)."""

from alembic import context

from hubapp.sync.central import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table=VERSION_TABLE, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
