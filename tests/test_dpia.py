"""docs/dpia.md is generated from the schema: every column of every table is classified in
the register (hubapp.store.dpia), and the document is what the generator writes."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Text

from hubapp.store import dpia
from hubapp.store.schema import Base


def test_every_column_of_the_schema_is_classified():
    assert dpia.check_columns() == []


def test_docs_dpia_is_the_generators_output():
    assert dpia.DOC.read_text("utf-8") == dpia.render(), (
        "docs/dpia.md is out of date: run python -m hubapp.store.dpia"
    )
    assert dpia.main(["--check"]) == 0


def _copy_with(extra: str) -> MetaData:
    """The schema's tables copied into new metadata, with one more column on person."""
    meta = MetaData()
    for table in Base.metadata.sorted_tables:
        copy = table.to_metadata(meta)
        if table.name == "person":
            copy.append_column(Column(extra, String(40)))
    return meta


def test_a_new_personal_data_column_without_an_entry_fails_the_check():
    problems = dpia.check_columns(_copy_with("nickname"))
    assert problems == [
        "The column person.nickname is not classified in the DPIA register (personal data or not)."
    ]


def test_a_new_table_and_a_column_gone_fail_it_too():
    meta = MetaData()
    for table in Base.metadata.sorted_tables:
        copy = table.to_metadata(meta)
        if table.name == "note":
            copy._columns.remove(copy.c.body)
    from sqlalchemy import Table

    Table("gossip", meta, Column("id", String(32), primary_key=True), Column("rumour", Text))
    problems = dpia.check_columns(meta)
    assert "The table gossip has no entry in the DPIA register." in problems
    assert "The DPIA register names note.body, which the schema no longer has." in problems


def test_the_document_lists_each_personal_column_with_its_purpose_basis_and_retention():
    text = dpia.render()
    for _table, column, use in dpia.personal_columns():
        assert f"| `{column}` | {use.purpose} | {use.basis} | {use.retention} |" in text
    # the special-category columns schema 0012 added are personal data, on the special basis
    found = {(t, c): u for t, c, u in dpia.personal_columns()}
    assert found[("case_", "hate_strands")].basis == "special"
    assert found[("person", "vulnerable")].basis == "special"
    assert found[("person", "share_consent")].basis == "consent"
    # the periods come from retention.toml
    assert "reviewed 3 years after it closes" in text


def test_the_generator_refuses_to_write_an_incomplete_register(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(dpia.REGISTER, "person", {dpia.N: "full_name"})
    out = tmp_path / "dpia.md"
    assert dpia.main(["-o", str(out)]) == 1
    assert not out.exists()
    assert "person.date_of_birth is not classified" in capsys.readouterr().err
