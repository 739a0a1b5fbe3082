"""The case list query and its Qt model, on a real demo database."""

import uuid

import pytest
from PySide6.QtCore import Qt

from hubapp.models.case_table import COLUMNS, CaseIdRole, CaseTableModel
from hubapp.store import lookups
from hubapp.store.casework.caselist import (
    OPEN,
    SORTABLE,
    CaseFilter,
    CaseList,
    CaseSort,
    Column,
    fts_query,
)


@pytest.fixture
def case_list(demo_store):
    return CaseList(demo_store)


def _sql(store, sql, *params):
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(sql, params).fetchall()


def test_fts_query_passes_only_words():
    assert fts_query("  ") is None
    assert fts_query("k") is None  # one letter matches nearly everything
    assert fts_query("flat 5 Lowther") == '"flat"* AND "Lowther"*'
    assert fts_query('Kendal "OR" NEAR(') == '"Kendal"* AND "OR"* AND "NEAR"*'
    assert fts_query("CAR-2026-0042") == '"CAR"* AND "2026"* AND "0042"*'
    assert fts_query("Zoë's") == '"Zoë"*'


def test_count_and_filters_agree_with_plain_sql(demo_store, case_list):
    total = _sql(demo_store, "SELECT count(*) FROM case_ WHERE voided = 0")[0][0]
    assert total == 3000
    assert case_list.count(CaseFilter(status=None)) == total
    open_cases = _sql(demo_store, "SELECT count(*) FROM case_ WHERE status != 'closed'")[0][0]
    assert 0 < case_list.count(CaseFilter()) == open_cases < total
    (hub_id,) = _sql(demo_store, "SELECT id FROM hub WHERE code = 'SLK'")[0]
    slk = case_list.count(CaseFilter(hub_id=uuid.UUID(hex=hub_id), status=None))
    assert slk == _sql(demo_store, "SELECT count(*) FROM case_ WHERE hub_id = ?", hub_id)[0][0] > 0
    kendal = case_list.count(CaseFilter(status=None, text="kendal"))
    like = _sql(
        demo_store,
        "SELECT count(*) FROM case_ WHERE town LIKE '%kendal%' OR location LIKE '%kendal%'"
        " OR summary LIKE '%kendal%' OR details LIKE '%kendal%'",
    )[0][0]
    assert kendal >= like > 0


def test_search_finds_a_case_by_its_reference(demo_store, case_list):
    (ref,) = _sql(demo_store, "SELECT reference FROM case_ ORDER BY seq LIMIT 1 OFFSET 1234")[0]
    rows = case_list.page(CaseFilter(status=None, text=ref), CaseSort(), 0, 50)
    assert ref in [r.reference for r in rows]
    assert rows[0].reference.startswith(ref.split("-")[0])


def test_markup_and_operators_in_search_are_harmless(case_list):
    for text in [
        '"',
        "*",
        "NEAR(a b)",
        "a OR",
        "<b>x</b>",
        "'; DROP TABLE case_; --",
        "\x00",
        "é" * 500,
    ]:
        assert case_list.count(CaseFilter(status=None, text=text)) >= 0


@pytest.mark.parametrize("column", SORTABLE)
@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_and_pages_without_gaps(case_list, column, descending):
    f = CaseFilter(status=None)
    sort = CaseSort(column, descending)
    first = case_list.page(f, sort, 0, 100)
    second = case_list.page(f, sort, 100, 100)
    everything = case_list.page(f, sort, 0, 200)
    assert [r.seq for r in first + second] == [r.seq for r in everything]
    assert len({r.seq for r in everything}) == 200
    if column is Column.RECEIVED:
        stamps = [r.received_at for r in everything]
        assert stamps == sorted(stamps, reverse=descending)
    if column is Column.REFERENCE:

        def natural(ref):
            prefix, _, number = ref.rpartition("-")
            return prefix, int(number)

        refs = [r.reference for r in everything]
        assert refs == sorted(refs, key=natural, reverse=descending)


def test_model_passes_qtmodeltester(qtmodeltester, demo_store, case_list):
    model = CaseTableModel()
    model.set_source(case_list, lookups.load(demo_store))
    model.set_filter(CaseFilter(status=None, text="park"))
    qtmodeltester.check(model, force_py=True)
    model.set_filter(CaseFilter(status=None))
    qtmodeltester.check(model)


def test_model_shows_formatted_rows_and_ids(demo_store, case_list):
    model = CaseTableModel()
    model.set_source(case_list, lookups.load(demo_store))
    assert model.rowCount() == case_list.count(
        CaseFilter(status=None)
    )  # the model starts with every status
    model.set_filter(CaseFilter(status=OPEN))
    assert model.rowCount() == case_list.count(CaseFilter())
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert headers == [title for _, title in COLUMNS]
    # a row deep in the list, past the first blocks
    model.set_filter(CaseFilter(status=None))
    row = model.BLOCK * 3 + 5
    idx = model.index(row, 0)
    ref = idx.data()
    case_id = idx.data(CaseIdRole)
    got = _sql(demo_store, "SELECT reference FROM case_ WHERE id = ?", case_id.hex)[0][0]
    assert got == ref
    received = model.index(row, 1).data()
    day, month, rest = received.split("/")
    assert len(day) == 2 and len(month) == 2 and len(rest.split()[0]) == 4 and ":" in rest
    assert model.index(row, COLUMNS.index((Column.HUB, "Hub"))).data() in {
        "Copeland",
        "Allerdale",
        "South Lakeland",
        "Barrow",
        "Carlisle",
        "Eden",
    }


def test_model_sort_is_done_in_sql(demo_store, case_list, qtbot):
    model = CaseTableModel()
    model.set_source(case_list, lookups.load(demo_store))
    with qtbot.waitSignal(model.modelReset):
        model.sort(0, Qt.SortOrder.AscendingOrder)
    refs = [model.index(r, 0).data() for r in range(300)]
    assert refs == sorted(refs)
    (smallest,) = _sql(demo_store, "SELECT min(reference) FROM case_")[0]
    assert refs[0] == smallest


def test_user_text_in_tooltips_is_never_rich_text(demo_store, case_list):
    from hubapp.domain.formatting import as_tooltip

    assert as_tooltip("<b>bold</b> & <img src='x'>") == (
        "<p style='white-space:pre-wrap'>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=&#x27;x&#x27;&gt;</p>"
    )
    model = CaseTableModel()
    model.set_source(case_list, lookups.load(demo_store))
    summary_col = COLUMNS.index((Column.SUMMARY, "Summary"))
    tip = model.index(0, summary_col).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("<p") and "<b>" not in tip


def test_keystrokes_that_change_no_query_do_not_reset_the_model(demo_store, case_list, qtbot):
    model = CaseTableModel()
    model.set_source(case_list, lookups.load(demo_store))
    model.set_filter(CaseFilter(status=None, text="park"))
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    for text in ("park ", "park l", "park -"):  # a space, a single letter, punctuation
        model.set_filter(CaseFilter(status=None, text=text))
    assert resets == []
    model.set_filter(CaseFilter(status=None, text="park la"))
    assert resets == [1]


@pytest.mark.parametrize("status", [None, OPEN])
def test_searches_start_from_the_full_text_index(demo_store, case_list, status):
    """With a hub or status filter too, SQLite must still begin with the full-text hits;
    the other order ran the full-text query once per case and took seconds."""
    (hub,) = _sql(demo_store, "SELECT id FROM hub WHERE code = 'COP'")[0]
    f = CaseFilter(hub_id=uuid.UUID(hex=hub), status=status, text="bikes park")
    result = case_list.query(f, CaseSort())
    with demo_store.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + result.sql, result.params).fetchall()
    assert "VIRTUAL TABLE" in plan[0][3], plan
    assert result.size == case_list.count(f)


def test_sorting_by_risk_puts_high_risk_first(case_list):
    rows = case_list.page(CaseFilter(status=None), CaseSort(Column.RISK, descending=False), 0, 3000)
    levels = [r.risk_level for r in rows]
    assert levels[0] == "high"
    order = {"high": 0, "medium": 1, "standard": 2}
    assert [order[x] for x in levels] == sorted(order[x] for x in levels)


def test_the_repeat_column_marks_the_cases_with_repeats(qtbot, demo_store, case_list):
    """The Repeat column says which kinds of repeat a case has, as the store works them out
    (in the background: the rows show at once, the column a moment later); a click on its
    heading leaves the sort as it was (it cannot be sorted by)."""
    from hubapp.store.casework import repeats

    model = CaseTableModel()
    model.set_source(case_list, lookups.load(demo_store))
    column = COLUMNS.index((Column.REPEAT, "Repeat"))
    rows = range(model.BLOCK)
    ids = [model.index(r, 0).data(CaseIdRole) for r in rows]
    with qtbot.waitSignal(model.dataChanged, timeout=20_000) as changed:
        pass
    assert changed.args[0].column() == column and changed.args[0].row() == 0
    qtbot.waitUntil(lambda: not model.repeats_pending, timeout=20_000)
    marks = repeats.marks(demo_store, ids)
    assert len(marks) > 5, "the demo data has repeat victims, perpetrators and places"
    shown = {ids[r]: model.index(r, column).data() for r in rows}
    assert {i: t for i, t in shown.items() if t} == {
        i: repeats.mark_text(k) for i, k in marks.items()
    }
    marked = next(r for r in rows if ids[r] in marks)
    assert "Open the case" in model.index(marked, column).data(Qt.ItemDataRole.ToolTipRole)
    before = model.sort_section()
    assert not model.sortable(column)
    model.sort(column, Qt.SortOrder.AscendingOrder)
    assert model.sort_section() == before
