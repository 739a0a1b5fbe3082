"""The window's side of the application: the controller that owns the main window and the
open database, in one part per concern (start-up, backups, accounts and the idle lock,
cases, sync, intake, printing and the exchange of data, administrators' tools).

Every part reaches the database through background tasks (:mod:`hubapp.models.tasks`),
never on the GUI thread. Nothing here imports Qt or SQLAlchemy at import time: the window
paints first.
"""

from hubapp.gui.backups import restore_may_help
from hubapp.gui.controller import Controller
from hubapp.gui.startup import OpenDatabase, OpenFailed, show_error

__all__ = ["Controller", "OpenDatabase", "OpenFailed", "restore_may_help", "show_error"]
