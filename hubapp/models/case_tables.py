"""The case view's lists (contacts, people, places, actions, timeline, interventions) are
:class:`hubapp.models.records.RecordTableModel`; the names stay importable from here."""

from hubapp.models.records import Column, RecordRole, RecordTableModel

__all__ = ["Column", "RecordRole", "RecordTableModel"]
