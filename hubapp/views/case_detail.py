"""The detail pane: the selected case at a glance.

Everything the user typed is escaped before it reaches the (rich-text) browser, so a summary
containing ``<b>`` or ``<img src=...>`` shows literally and never loads anything.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget

from hubapp.domain.codes import AgencyRole, CaseStatus, PersonRole, RiskLevel, SaraStage, label
from hubapp.domain.formatting import format_date, format_datetime
from hubapp.domain.rag import Rag

#: the square before an action (its words say the same): dark enough to read as text on white
#: (WCAG AA, 4.5:1), the amber a dark amber
RAG_COLOURS = {Rag.RED: "#b00020", Rag.AMBER: "#9a5b00", Rag.GREEN: "#1b6e3a", Rag.NONE: "#5c6470"}
RISK_COLOURS = {"high": "#a4161a", "medium": "#9a5b00", "standard": "#2b2d42"}


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseDetailPane", text)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _row(name: str, value: str) -> str:
    return f"<tr><td class='k'>{_e(name)}</td><td>{value}</td></tr>"


def case_html(d) -> str:
    """The pane's content for a CaseDetail, every user value escaped."""
    risk_colour = RISK_COLOURS.get(d.risk_level, "#2b2d42")
    place = ", ".join(p for p in (d.location, d.town, d.postcode) if p)
    status = _e(label(CaseStatus, d.status))
    if d.closed_on:
        status += f" {tr('on')} {_e(format_date(d.closed_on))}"
        if d.outcome:
            status += f" ({_e(d.outcome)})"
    parts = [
        f"<h2>{_e(d.reference)}</h2>",
        f"<p class='sum'>{_e(d.summary)}</p>",
        "<table class='kv'>",
        _row(tr("Status"), status),
        _row(tr("Risk"), f"<span style='color:{risk_colour};font-weight:600'>"
             f"{_e(label(RiskLevel, d.risk_level))}</span>"),
        _row(tr("SARA stage"), _e(label(SaraStage, d.sara_stage))),
        _row(tr("Hub"), _e(d.hub)),
        _row(tr("Category"), _e(d.category)),
        _row(tr("Came in by"), _e(d.channel)),
        _row(tr("Received"), _e(format_datetime(d.received_at))),
        _row(tr("Incident"), _e(format_datetime(d.incident_at)) or "&mdash;"),
        _row(tr("Location"), _e(place) or "&mdash;"),
        _row(tr("Lead agency"), _e(d.lead_agency) or "&mdash;"),
        _row(tr("Next review"), _e(format_date(d.next_review_on)) or "&mdash;"),
        _row(tr("Reports"), _e(f"{d.contact_count}")
             + (f" ({tr('latest')} {_e(format_date(d.last_contact_at))})" if d.last_contact_at else "")),
        "</table>",
    ]  # fmt: skip
    if d.details:
        parts.append(f"<h3>{_e(tr('Details'))}</h3><p class='det'>{_e(d.details)}</p>")
    if d.assignments:
        parts.append(f"<h3>{_e(tr('Agencies'))}</h3><table class='kv'>")
        for agency, role in d.assignments:
            parts.append(_row(agency, _e(label(AgencyRole, role))))
        parts.append("</table>")
    parts.append(f"<h3>{_e(tr('Actions'))}</h3>")
    if d.actions:
        parts.append("<table class='act' cellspacing='0'>")
        for a in d.actions:
            colour = RAG_COLOURS[a.rag]
            due = format_date(a.due_on) or tr("no date")
            parts.append(
                f"<tr><td><span style='color:{colour}'>&#9632;</span></td>"
                f"<td><b>{_e(a.agency)}</b> &middot; {_e(a.description)}"
                f"<br><span class='muted'>{_e(a.owner)} &middot; {tr('due')} {_e(due)}"
                f" &middot; {_e(a.rag.label if a.rag is not Rag.NONE else a.status.replace('_', ' '))}"
                "</span></td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append(f"<p class='muted'>{_e(tr('No actions yet.'))}</p>")
    if d.people:
        parts.append(f"<h3>{_e(tr('People'))}</h3><table class='kv'>")
        for p in d.people:
            name = _e(p.name) + (
                f" <span class='muted'>({tr('locked down')})</span>" if p.locked_down else ""
            )
            parts.append(_row(label(PersonRole, p.role), name))
        parts.append("</table>")
    return "".join(parts)


STYLE = """
h2 { margin: 0 0 2px 0; font-size: x-large; }
h3 { margin: 10px 0 2px 0; font-size: large; color: #1d3557; }
p.sum { font-size: large; margin: 2px 0 8px 0; }
p.det { white-space: pre-wrap; }
td.k { color: #555; padding-right: 10px; white-space: nowrap; }
td { padding: 1px 2px; vertical-align: top; }
.muted { color: #6b6b6b; }
"""


class CaseDetailPane(QWidget):
    """Shows a CaseDetail, a 'nothing selected' hint, or a one-line problem."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("caseDetail")
        self._stack = QStackedWidget(self)
        self._hint = QLabel(tr("Select a case to see its details."), self)
        self._hint.setTextFormat(Qt.TextFormat.PlainText)
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.setWordWrap(True)
        self._hint.setObjectName("detailHint")
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.document().setDefaultStyleSheet(STYLE)
        self.browser.setObjectName("detailBrowser")
        self.browser.setAccessibleName(tr("Case details"))
        self._stack.addWidget(self._hint)
        self._stack.addWidget(self.browser)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.current_id = None

    def show_case(self, detail) -> None:
        self.current_id = detail.id
        self.browser.setHtml(case_html(detail))
        self._stack.setCurrentWidget(self.browser)

    def show_message(self, text: str) -> None:
        self.current_id = None
        self._hint.setText(text)
        self._stack.setCurrentWidget(self._hint)

    def clear(self) -> None:
        self.show_message(tr("Select a case to see its details."))
