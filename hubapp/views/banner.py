"""A sentence shown in a coloured band above a form or a table (a refusal, a conflict, what
was just done); an empty sentence hides the band."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

#: band colours: a refusal or failure, a change done, a neutral note
ERROR = "background:#fdecea; color:#611a15; border:1px solid #e0a29b;"
DONE = "background:#e7f4e4; color:#1e4620; border:1px solid #a5d6a0;"
NOTE = "background:#e8f1fb; color:#0b3d6e; border:1px solid #9cbfe3;"


def show_banner(label: QLabel, text: str, style: str, padding: int = 6) -> None:
    label.setText(text)
    label.setVisible(bool(text))
    label.setStyleSheet(f"QLabel {{ {style} padding:{padding}px; }}")
