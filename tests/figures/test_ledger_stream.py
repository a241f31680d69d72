"""The streamed ledger: the same workbook openpyxl would write, sent as it is written."""
from datetime import timedelta
from io import BytesIO
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
import pytest
from sqlalchemy import event, text

from app.cases.models import CaseSource, CaseState
from app.core.documents import cell_value, text_cell
from app.extensions import db
from app.figures import queries
from app.figures.ledger import (COLUMNS, DATETIME_FORMAT, LocalTimes, export_ledger,
                                ledger_rows_query, _row_values)
from tests.figures.timeline import NOV, NOW, T0

# Texts a submitter could type that each need the cell writer's care.
TRICKY = ["=HYPERLINK(\"http://x\",\"点我\")", "＝SUM(A1)", "+86 138", "-1", "@SUM(1)",
          "\t=1+1", " 前后有空格 ", "<b>标签</b> & \"引号\"", "第一行\r\n第二行\r第三行",
          "控制\x01字\x0b符\x1f", "emoji 🙂 与生僻字 𠀀", "\x02", "   "]


@pytest.fixture
def tricky_cases(world, make_case, fixed_clock):
    fixed_clock.set(NOW)
    cases = []
    for index, content in enumerate(TRICKY):
        state = [CaseState.closed, CaseState.replied, CaseState.signed, CaseState.submitted,
                 CaseState.invalid, CaseState.returned][index % 6]
        case = make_case(state, now=T0 + timedelta(hours=index), source=CaseSource.hall)
        # What a form lets through, and what older data or an import may hold.
        case.content, case.enterprise_name_given = content, content
        case.contact_name = content[:10]
        cases.append(case)
    db.session.commit()
    return cases


def openpyxl_ledger(path, full=False):
    """The 台账 rows as openpyxl itself writes them: the writing loop the ledger had before it
    was streamed, over the same rows (the oracle of this test)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append([header for header, _w, _k in COLUMNS])
    wrap = Alignment(wrap_text=True, vertical="top")
    start, end = queries.period_bounds(*NOV)
    times = LocalTimes().naive
    for count, row in enumerate(db.session.execute(ledger_rows_query(start, end, NOW)), 1):
        cells = []
        for value, (_h, _w, kind) in zip(_row_values(count, row, full, times), COLUMNS):
            value = cell_value(ws, value)
            if kind == "datetime" and value is not None:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = DATETIME_FORMAT
                cells.append(cell)
            elif kind == "wrap" and value:
                cell = value if isinstance(value, Cell) else text_cell(ws, value)
                cell.alignment = wrap
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
    wb.save(path)


def cells(sheet):
    """Each cell's value, format, quote prefix, wrapping and type (an empty cell has none:
    openpyxl writes an empty text as an empty typed cell, the stream writes no cell)."""
    return [[(c.value, c.number_format, c.quotePrefix, c.alignment.wrap_text,
              c.data_type if c.value is not None else None)
             for c in row] for row in sheet.iter_rows(min_row=2)]


@pytest.mark.parametrize("full", [False, True])
def test_streamed_rows_are_cell_for_cell_what_openpyxl_writes(tricky_cases, tmp_path, full):
    streamed, reference = tmp_path / "streamed.xlsx", tmp_path / "reference.xlsx"
    assert export_ledger(streamed, *NOV, now=NOW, full=full) == len(TRICKY)
    openpyxl_ledger(reference, full)
    ours, theirs = load_workbook(streamed)["台账"], load_workbook(reference)["台账"]
    assert [c.value for c in ours[1]] == [c.value for c in theirs[1]]
    assert cells(ours) == cells(theirs)
    assert len(cells(ours)) == len(TRICKY)
    contents = {row[COLUMNS.index(("反映内容", 44, "wrap"))].value for row in ours.iter_rows(min_row=2)}
    # Formulas stay text, with Excel's quote prefix; markup and line ends arrive as typed.
    assert "=HYPERLINK(\"http://x\",\"点我\")" in contents and "第一行\r\n第二行\r第三行" in contents
    assert "控制字符" in contents and "<b>标签</b> & \"引号\"" in contents
    quoted = [row[7] for row in ours.iter_rows(min_row=2) if str(row[7].value).startswith("=")]
    assert quoted and all(cell.quotePrefix and cell.data_type == "s" for cell in quoted)


def test_the_first_bytes_leave_before_the_rows_are_read(county, app, client, login_as, world):
    """The response is an iterator: the workbook's frame is sent before the cases' rows are
    even queried, then the rows follow (batches of 500) into a valid workbook."""
    login_as(world.dispatcher)
    statements = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.get(f"/figures/ledger.xlsx?from={NOV[0]}&to={NOV[1]}", buffered=False)
        assert response.status_code == 200 and response.is_streamed
        assert "Content-Length" not in response.headers
        # The Chinese file name goes as RFC 5987 UTF-8 beside an ASCII fallback: header values
        # are Latin-1, and a raw 台账 in them made the server refuse the response.
        disposition = response.headers["Content-Disposition"]
        disposition.encode("latin-1")
        assert disposition.startswith("attachment; filename=")
        assert "filename*=UTF-8''%E4%BC%81%E4%B8%9A" in disposition  # 企业服务工作进展台账…
        chunks = response.response
        first = next(iter(chunks))
        assert first.startswith(b"PK\x03\x04")  # a ZIP's first entry, on its way
        rows_query = [s for s in statements if "ORDER BY cases.submitted_at, cases.id" in s]
        assert rows_query == []  # the rows are not read yet
        body = first + b"".join(chunks)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert [s for s in statements if "ORDER BY cases.submitted_at, cases.id" in s]
    sheet = load_workbook(BytesIO(body))["台账"]
    assert sheet.max_row == 1 + 11


def test_a_failure_midway_cuts_the_download_instead_of_finishing_a_corrupt_file(
        county, client, login_as, world):
    """Validation and the summary happen before the first byte (a refusal is a clean 4xx);
    a row that cannot be read midway raises in the stream: the server drops the connection
    without its last chunk, and what arrived is not a workbook."""
    login_as(world.dispatcher)
    assert client.get("/figures/ledger.xlsx?from=2026-12-01&to=2026-11-01").status_code == 400
    # A state no code knows, written past the app, in the 7th row of the period.
    victim = sorted(county.values(), key=lambda c: (c.submitted_at, c.id))[6]
    db.session.execute(text("UPDATE cases SET state = 'bogus' WHERE id = :id"), {"id": victim.id})
    db.session.commit()
    response = client.get(f"/figures/ledger.xlsx?from={NOV[0]}&to={NOV[1]}", buffered=False)
    assert response.status_code == 200  # headers are out before the rows are read
    received = []
    with pytest.raises(LookupError):
        for chunk in response.response:
            received.append(chunk)
    assert received  # the frame went out
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(BytesIO(b"".join(received)))



def test_times_are_the_cases_local_times_to_the_second(tricky_cases, tmp_path, fixed_clock):
    """The rows' times come from the database as seconds since 1970 and are turned into local
    wall-clock times by the stream: they are the cases' own times (read through the ORM) in
    Beijing time, the fraction of a second dropped."""
    from app.core.timeutil import to_local
    for index, case in enumerate(tricky_cases):  # fractions of a second, either side of .5
        case.submitted_at = case.submitted_at + timedelta(microseconds=999_999 - index * 70_000)
        if case.dispatched_at:
            case.dispatched_at = case.dispatched_at + timedelta(hours=23, microseconds=500_000)
    db.session.commit()
    path = tmp_path / "times.xlsx"
    export_ledger(path, *NOV, now=NOW)
    sheet = load_workbook(path)["台账"]

    def shown(value):
        return value and to_local(value).replace(tzinfo=None, microsecond=0)
    cases = {case.tracking_no: case for case in tricky_cases}
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(tricky_cases)
    for row in rows:
        case = cases[row[1]]
        assert row[2] == shown(case.submitted_at)
        assert row[14] == shown(case.dispatched_at)  # 派发时间: past local midnight too
        assert row[19] == shown(case.reply_due_at)


def test_a_download_stopped_early_stops_the_reading_thread(county, app, world):
    """The rows are read ahead by a second thread (at most READ_AHEAD batches): a stream
    closed midway (the browser went away) ends it and gives its connection back."""
    import threading
    from app.figures.ledger import Ledger
    ledger = Ledger(*NOV, now=NOW)
    ledger.ROW_BATCH, ledger.READ_AHEAD = 1, 1
    batches = ledger._row_batches()
    assert len(next(batches)) == 1
    reader, = [t for t in threading.enumerate() if t.name == "ledger-rows"]
    assert reader.is_alive()  # holding the next batches, waiting to hand them over
    batches.close()
    assert not reader.is_alive()
