"""Problems shown beside their fields: one label under each field, hidden while empty."""

from __future__ import annotations


def show_beside(labels: dict, problems) -> list[str]:
    """Show each problem in the label of its field (``labels``: field -> QLabel), the first
    of a field's problems only; hide the others. Returns the messages that have no field."""
    for label in labels.values():
        label.setText("")
        label.hide()
    left = []
    for p in problems:
        label = labels.get(p.field)
        if label is None:
            left.append(p.message)
        elif label.isHidden():
            label.setText(p.message)
            label.show()
    return left
