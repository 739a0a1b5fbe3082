"""Qt item models and background tasks: adapters between the core and the views (QtCore only)."""
