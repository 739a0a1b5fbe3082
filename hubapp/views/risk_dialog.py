"""The victim risk questionnaire: yes/no questions, the score and level shown as they are
answered. Keys 1-9 and 0 (with Alt) tick the questions; Enter accepts."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
)

from hubapp.domain.codes import RiskLevel
from hubapp.domain.formatting import format_date, mnemonic_safe
from hubapp.store.casework import risk

LEVEL_COLOURS = {"high": "#a4161a", "medium": "#9a5b00", "standard": "#2b2d42"}


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
    ) -> None:
        super().__init__(parent)
        self.setObjectName("riskDialog")
        self.setWindowTitle(tr("Victim risk assessment"))
        self._q = questionnaire or risk.questionnaire()
        self._today = today or date.today()
        layout = QVBoxLayout(self)
        intro = QLabel(self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        intro.setText(
            tr("Ask {person} each question; tick the ones answered yes.").format(
                person=person or tr("the victim")
            )
        )
        layout.addWidget(intro)
        self.boxes: dict[str, QCheckBox] = {}
        answers = answers or {}
        for i, question in enumerate(self._q.questions):
            key = str((i + 1) % 10) if i < 10 else ""
            text = mnemonic_safe(question.text)  # "&" in the wording shows as "&"
            box = QCheckBox(f"&{key}  {text}" if key else text, self)
            box.setObjectName(f"risk_{question.code}")
            box.setChecked(answers.get(question.code) == risk.YES)
            box.toggled.connect(self._update)
            layout.addWidget(box)
            self.boxes[question.code] = box
        self.result_label = QLabel(self, objectName="riskResult")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)  # our own text only
        layout.addSpacing(6)
        layout.addWidget(self.result_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update()

    def answers(self) -> dict[str, str]:
        return {c: risk.YES if b.isChecked() else risk.NO for c, b in self.boxes.items()}

    def risk_result(self) -> risk.RiskResult:
        return risk.assess(self.answers(), self._today, self._q)

    def _update(self) -> None:
        r = self.risk_result()
        level = RiskLevel(r.level)
        most = sum(q.weight for q in self._q.questions)
        review = (
            tr("next review {date}").format(date=format_date(r.next_review_on))
            if r.next_review_on
            else tr("no review scheduled")
        )
        self.result_label.setText(
            tr(
                "Score {score} of {most}: <b style='color:{colour}'>{level} risk</b>; {review}."
            ).format(
                score=r.score,
                most=most,
                colour=LEVEL_COLOURS[level.value],
                level=level.label,
                review=review,
            )  # fmt: skip
        )
