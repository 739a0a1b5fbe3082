"""Widgets, forms, dialogs and the main window: the only users of QtWidgets."""
