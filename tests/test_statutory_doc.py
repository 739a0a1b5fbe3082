"""docs/statutory.md cites every rule the reference data sets: each section a tool or power's
limits quote, the Case Review's settings and the lawful bases sharing agreements name."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFDATA = ROOT / "resources" / "refdata"
DOC = (ROOT / "docs" / "statutory.md").read_text("utf-8")


def _toml(name: str) -> dict:
    return tomllib.loads((REFDATA / name).read_text("utf-8"))


def test_every_section_a_limit_quotes_is_cited():
    sections = {
        value
        for kind in _toml("interventions.toml")["intervention_type"]
        for key, value in kind.get("limits", {}).items()
        if key.endswith("_section")
    }
    assert len(sections) >= 10, "the limits' sections were found"
    for section in sorted(sections):
        # "s.43(1)" is cited as "ASBCPA s.43(1)"; "s.77(2)" within "s.77(1)–(2)"
        bare = section.split("(")[0]
        assert section in DOC or f"{bare}(1)–(" in DOC, section


def test_every_case_review_setting_is_cited():
    settings = _toml("case_review.toml")
    for table in ("threshold", "routes", "deadlines"):
        assert f"[{table}]" in DOC, table
    for key in settings["threshold"]:
        assert key in DOC, key


def test_every_lawful_basis_is_cited():
    for basis in _toml("sharing.toml")["basis"]:
        if basis["code"] == "consent":
            continue
        assert basis["code"] in DOC, basis["code"]
