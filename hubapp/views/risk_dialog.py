"""The risk questionnaire (of a victim, or of an alleged perpetrator): the score and level
shown as it is answered. Keys 1-9 and 0 (with Alt) tick the questions answered yes; beside
each, "declined" (the person would not say) or "not known" (nobody could say) may be chosen
instead: they add nothing to the score but are kept as given. A level may be set by hand
over the computed one, with the reason (the dialog is not accepted without it). Enter
accepts."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from hubapp.domain.codes import RiskLevel
from hubapp.domain.formatting import format_date, mnemonic_safe
from hubapp.store.casework import risk

LEVEL_COLOURS = {"high": "#a4161a", "medium": "#9a5b00", "standard": "#2b2d42"}
ERROR_COLOUR = "#b00020"


def tr(text: str) -> str:
    return QCoreApplication.translate("RiskDialog", text)


class RiskDialog(QDialog):
    def __init__(
        self,
        person: str,
        answers: dict[str, str] | None = None,
        today: date | None = None,
        parent=None,
        questionnaire: risk.Questionnaire | None = None,
        *,
        subject: str = risk.VICTIM,
        hate: str = "",
        override: tuple[str, str] = ("", ""),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("riskDialog")
        perpetrator = subject == risk.PERPETRATOR
        self.setWindowTitle(tr("Alleged perpetrator risk assessment") if perpetrator
                            else tr("Victim risk assessment"))  # fmt: skip
        self._q = questionnaire or risk.questionnaire(subject)
        self._today = today or date.today()
        self._hate = hate
        layout = QVBoxLayout(self)
        intro = QLabel(self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        who = person or (tr("the person") if perpetrator else tr("the victim"))
        intro.setText(
            tr("Ask {person} each question; tick the ones answered yes. Choose declined or "
               "not known beside a question that was not answered.").format(person=who)
        )  # fmt: skip
        layout.addWidget(intro)
        grid = QGridLayout()
        grid.setColumnStretch(0, 1)
        self.boxes: dict[str, QCheckBox] = {}
        self.others: dict[str, QComboBox] = {}
        answers = answers or {}
        for i, question in enumerate(self._q.questions):
            key = str((i + 1) % 10) if i < 10 else ""
            text = mnemonic_safe(question.text)  # "&" in the wording shows as "&"
            box = QCheckBox(f"&{key}  {text}" if key else text, self)
            box.setObjectName(f"risk_{question.code}")
            given = answers.get(question.code)
            box.setChecked(given == risk.YES)
            box.toggled.connect(self._update)
            other = QComboBox(self)
            other.setObjectName(f"risk_{question.code}_other")
            other.addItem(tr("answered"), "")
            other.addItem(tr("declined"), risk.DECLINED)
            other.addItem(tr("not known"), risk.NOT_KNOWN)
            other.setAccessibleName(tr("Question {n}: answered, declined or not known").format(
                n=i + 1))  # fmt: skip
            other.setCurrentIndex(max(0, other.findData(given if given in (
                risk.DECLINED, risk.NOT_KNOWN) else "")))  # fmt: skip
            other.currentIndexChanged.connect(self._update)
            # both at the top of their row: the question is met first, then its other answers
            grid.addWidget(box, i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(other, i, 1, Qt.AlignmentFlag.AlignTop)
            self.boxes[question.code] = box
            self.others[question.code] = other
        layout.addLayout(grid)
        self.result_label = QLabel(self, objectName="riskResult")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)  # our own text only
        layout.addSpacing(6)
        layout.addWidget(self.result_label)
        # a level set by hand, with the reason
        row = QHBoxLayout()
        self.override_level = QComboBox(self, objectName="overrideLevel")
        self.override_level.addItem(tr("as computed"), "")
        for level in RiskLevel:
            self.override_level.addItem(level.label, level.value)
        self.override_level.setCurrentIndex(max(0, self.override_level.findData(override[0])))
        set_by_hand = QLabel(tr("Set the &level by hand:"), self)
        set_by_hand.setBuddy(self.override_level)
        self.override_reason = QLineEdit(override[1], self, objectName="overrideReason")
        self.override_reason.setPlaceholderText(tr("why (needed when set by hand)"))
        self.override_reason.setAccessibleName(tr("Why the level is set by hand"))
        row.addWidget(set_by_hand)
        row.addWidget(self.override_level)
        row.addWidget(self.override_reason, 1)
        layout.addLayout(row)
        self.problem = QLabel(self, objectName="riskProblem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.problem.hide()
        layout.addWidget(self.problem)
        self.override_level.currentIndexChanged.connect(self._update)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update()

    def answers(self) -> dict[str, str]:
        out = {}
        for code, box in self.boxes.items():
            other = self.others[code].currentData()
            out[code] = other or (risk.YES if box.isChecked() else risk.NO)
        return out

    def override(self) -> tuple[str, str]:
        """The level set by hand and its reason (("", "") when computed)."""
        level = self.override_level.currentData() or ""
        return level, self.override_reason.text().strip() if level else ""

    def risk_result(self) -> risk.RiskResult:
        return risk.assess(self.answers(), self._today, self._q, hate=self._hate,
                           override_level=self.override_level.currentData() or "")  # fmt: skip

    def accept(self) -> None:
        level, _reason = self.override()
        problems = risk.check_override(level, self.override_reason.text(), self._hate)
        if problems:
            self.problem.setText(problems[0].message)
            self.problem.setAccessibleDescription(problems[0].message)
            self.problem.show()
            field = self.override_reason if problems[0].field == "override_reason" else (
                self.override_level)  # fmt: skip
            field.setFocus()
            return
        super().accept()

    def _update(self) -> None:
        for code, box in self.boxes.items():
            answered = not self.others[code].currentData()
            box.setEnabled(answered)
            if not answered and box.isChecked():
                box.setChecked(False)
        r = self.risk_result()
        level = RiskLevel(r.level)
        most = sum(q.weight for q in self._q.questions)
        review = (
            tr("next review {date}").format(date=format_date(r.next_review_on))
            if r.next_review_on
            else tr("no review scheduled")
        )
        by_hand = tr(" (set by hand)") if self.override_level.currentData() else ""
        unanswered = sum(1 for c in self.others.values() if c.currentData())
        extra = tr("; {n} declined or not known").format(n=unanswered) if unanswered else ""
        self.result_label.setText(
            tr(
                "Score {score} of {most}: <b style='color:{colour}'>{level} risk</b>{by_hand}; "
                "{review}{extra}."
            ).format(
                score=r.score,
                most=most,
                colour=LEVEL_COLOURS[level.value],
                level=level.label,
                by_hand=by_hand,
                review=review,
                extra=extra,
            )  # fmt: skip
        )
