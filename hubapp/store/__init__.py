"""The hub database: schema, migrations, sessions and queries. No Qt here."""

from hubapp.store.database import SCHEMA_HEAD, Store, StoreError, open_store

__all__ = ["SCHEMA_HEAD", "Store", "StoreError", "open_store"]
