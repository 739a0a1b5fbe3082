"""The hub database: schema, migrations, sessions and queries. No Qt here.

Import the submodules you need (``hubapp.store.database`` and so on): this package imports
nothing itself, so that the GUI can paint its first window before SQLAlchemy is loaded.
"""
