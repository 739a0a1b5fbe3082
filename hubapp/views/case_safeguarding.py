"""The case window's hate, safeguarding and reassessment parts (the window adds them).

* Under the case's summary: the hate answer (recorded by perception) with its strands and a
  button to answer it (:class:`HateDialog`: the Y, N and K keys, as on the intake form), and
  a line asking for a reassessment when a report came in since a victim's last risk
  assessment.
* On the People & places page: the risk assessments (whose, the level as computed or set by
  hand with its reason, and every answer as given: declined and not known included), the
  referrals the account may see, and a button to record one of a person on the case
  (:class:`hubapp.views.safeguarding.ReferralDialog`).

Answering the hate question is a change of the case (``Op.EDIT_CASE``); recording a referral
is ``Op.SAFEGUARDING``: the buttons show only for the roles that may.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.codes import RiskAnswer, RiskLevel, RiskSubject, label
from hubapp.domain.formatting import format_datetime
from hubapp.models.records import Column, RecordTableModel
from hubapp.views.safeguarding import BackgroundForm, ReferralDialog, referrals_model


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseSafeguarding", text)


def _level(a) -> str:
    if a.override_level:
        return tr("{level} (set by hand: {why})").format(
            level=label(RiskLevel, a.override_level), why=a.override_reason
        )
    return label(RiskLevel, a.computed)


def _not_answered(a) -> str:
    n = sum(1 for _q, given in a.answers if given in (RiskAnswer.DECLINED, RiskAnswer.NOT_KNOWN))
    return str(n) if n else ""


def _answers(a) -> str:
    return "\n".join(f"{label(RiskAnswer, given)}: {question}" for question, given in a.answers)


def assessments_model(parent) -> RecordTableModel:
    """The risk assessments (hubapp.store.casework.risk.AssessmentLine), newest first; each
    row's tooltip lists every answer as given."""
    return RecordTableModel([
        Column(tr("Assessed"), lambda a: format_datetime(a.assessed_at),
               sort_key=lambda a: a.assessed_at),
        Column(tr("Whose"), lambda a: f"{label(RiskSubject, a.subject)}: {a.person}".rstrip(": ")),
        Column(tr("Level"), _level, tooltip=True),
        Column(tr("Score"), lambda a: str(a.score)),
        Column(tr("Declined or not known"), _not_answered),
        Column(tr("Answers"), _answers, tooltip=True, one_line=True),
    ], parent, key=lambda a: a.id)  # fmt: skip


def set_hate_job(_ctx, store, case_id, answer, strands):
    from hubapp.store.casework import hate

    return hate.set_case_hate(store, case_id, answer, strands)


class HateDialog(BackgroundForm):
    """The hate question of a case: the answer (one key) and, with yes, the strands."""

    def __init__(self, store, case_id, answer: str, strands, parent=None) -> None:
        from hubapp.views.intake_form import HateBox, StrandsBox

        super().__init__(store, tr("Hate, as perceived"), parent)
        self.setObjectName("hateDialog")
        self.case_id = case_id
        intro = QLabel(tr("Does anyone (the victim, a witness, the caller, anyone) perceive "
                          "it as hate? Y yes, N no, K not known."), self)  # fmt: skip
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.answer = HateBox(self)
        self.answer.setAccessibleName(tr("Perceived as hate"))
        self.answer.set_answer(answer)
        self.add("hate", tr("&Answer:"), self.answer)
        self.strands = StrandsBox(self)
        self.strands.set_codes(strands)
        self.add("hate_strands", tr("Strands:"), self.strands)
        self.answer.currentIndexChanged.connect(self._answered)
        self._answered()
        self.answer.setFocus()

    def _answered(self, *_args) -> None:
        yes = self.answer.currentData() == "yes"
        self.strands.setEnabled(yes)

    def save(self) -> None:
        from hubapp.store.casework import hate

        answer = self.answer.currentData() or ""
        strands = self.strands.codes() if answer == "yes" else []
        _text, _codes, problems = hate.clean(answer, strands, required=True)
        if problems:
            self.show_problems(problems)
            if problems[0].field == "hate_strands":
                self.strands.focus_order()[0].setFocus()
            return
        self.show_problems([])
        self.run(set_hate_job, self.store, self.case_id, answer, strands)


class CaseSafeguarding(QObject):
    """The parts of the case window, filled from its CaseView; ``changed`` once something
    was saved (the window reads the case again)."""

    changed = Signal()

    def __init__(self, window, store) -> None:
        super().__init__(window)
        self.window, self.store, self.view = window, store, None
        self.header = QWidget(window, objectName="caseSafeguarding")
        row = QHBoxLayout(self.header)
        row.setContentsMargins(0, 0, 0, 0)
        self.hate_label = QLabel(self.header, objectName="hateLabel")
        self.hate_label.setTextFormat(Qt.TextFormat.PlainText)
        self.hate_label.setAccessibleName(tr("Hate"))
        self.hate_button = QPushButton(tr("Hate &question…"), self.header,
                                       objectName="hateButton")  # fmt: skip
        self.hate_button.setAutoDefault(False)
        self.hate_button.clicked.connect(lambda: self.ask_hate())
        row.addWidget(self.hate_label)
        row.addWidget(self.hate_button)
        row.addStretch(1)
        self.reassess = QLabel(window, objectName="reassessBanner")
        self.reassess.setTextFormat(Qt.TextFormat.PlainText)
        self.reassess.setWordWrap(True)
        self.reassess.setStyleSheet("background:#fff4ce; color:#1a1a1a; padding:4px 8px;"
                                    " border:1px solid #c8a600;")  # fmt: skip
        self.reassess.hide()
        self.referrals = referrals_model(self, with_person=True)
        self.assessments = assessments_model(self)
        self.referral_button: QPushButton | None = None

    def layout_into(self, outer: QVBoxLayout) -> None:
        outer.addWidget(self.header)
        outer.addWidget(self.reassess)

    def referrals_page(self, page: QWidget) -> QWidget:
        """The referrals table and its button, for the People & places page."""
        box = QWidget(page)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)

        def table_of(model, name: str, spoken: str) -> QTableView:
            hint = QLabel(spoken, box)
            hint.setStyleSheet("color: #555b6e;")
            table = QTableView(box, objectName=name)
            table.setAccessibleName(spoken)
            table.setModel(model)
            table.setTabKeyNavigation(False)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.verticalHeader().hide()
            table.horizontalHeader().setStretchLastSection(True)
            lay.addWidget(hint)
            lay.addWidget(table, 1)
            return table

        self.assessments_table = table_of(self.assessments, "caseAssessments",
                                          tr("Risk assessments"))  # fmt: skip
        self.referrals_table = table_of(self.referrals, "caseReferrals", tr("Referrals"))
        self.referral_button = QPushButton(tr("Add re&ferral…"), box,
                                           objectName="caseReferralButton")  # fmt: skip
        self.referral_button.setAutoDefault(False)
        self.referral_button.clicked.connect(lambda: self.add_referral())
        lay.addWidget(self.referral_button, 0, Qt.AlignmentFlag.AlignLeft)
        return box

    def fill(self, v) -> None:
        from hubapp.store import access
        from hubapp.store.casework import hate
        from hubapp.store.roles import Op

        self.view = v
        text = hate.describe(v.hate, v.hate_strands) or tr("Hate: not asked")
        self.hate_label.setText(text)
        self.hate_button.setVisible(access.may(self.store, Op.EDIT_CASE))
        self.reassess.setText(v.reassess)
        self.reassess.setVisible(bool(v.reassess))
        self.referrals.set_records(v.referrals)
        self.assessments.set_records(v.assessments)
        if self.referral_button is not None:
            self.referral_button.setVisible(access.may(self.store, Op.SAFEGUARDING))
            self.referral_button.setEnabled(bool(v.people))

    def ask_hate(self) -> HateDialog | None:
        v = self.view
        if v is None:
            return None
        dialog = HateDialog(self.store, v.id, v.hate, v.hate_strands, parent=self.window)
        dialog.saved.connect(lambda _r: self.changed.emit())
        dialog.open()
        return dialog

    def add_referral(self) -> ReferralDialog | None:
        v = self.view
        if v is None or not v.people:
            return None
        people = list({p.id: (p.id, p.name) for p in v.people}.values())
        dialog = ReferralDialog(self.store, cases=[(v.id, v.reference)], people=people,
                                parent=self.window)  # fmt: skip
        dialog.saved.connect(lambda _r: self.changed.emit())
        dialog.open()
        return dialog
