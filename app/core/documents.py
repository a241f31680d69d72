"""Text that leaves the app inside a document (PDF, .xlsx) goes through here.

ReportLab's Paragraph parses its text as markup: `<img src=…>` opens a file or fetches a URL,
and a stray `<` aborts the build. `paragraph` escapes every text, so what a submitter, an
administrator or a department typed is printed literally. Canvas strings (qrcards) are never
parsed, so the cards need no escaping.

A workbook cell whose text starts with `=` is a live formula (`=HYPERLINK(…)`); `cell_value` is
the one writer that stores such text as text.
"""
from urllib.parse import quote
import unicodedata
from xml.sax.saxutils import escape

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from reportlab.lib import colors
from reportlab.platypus import Paragraph, Table, TableStyle
from werkzeug.http import dump_options_header


def paragraph(text, style) -> Paragraph:
    """A Paragraph showing `text` literally (no markup from the text is obeyed)."""
    return Paragraph(escape("" if text is None else str(text)), style)


def grid_table(rows, widths, font: str, cell_style) -> Table:
    """The documents' table: every value a literal paragraph, a thin grid, the first row a
    light-green header repeated on each page (meetings, bulletins, reports, evaluation sheets)."""
    table = Table([[paragraph(v, cell_style) for v in row] for row in rows], colWidths=widths,
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E9F9EF")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BBBBBB")),
        ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


# --- workbooks ---------------------------------------------------------------------------------

# Text starting with one of these is a formula to Excel or LibreOffice (or becomes one when the
# cell is edited): = + - @, a tab or carriage return before them, and their full-width forms,
# which a Chinese input method types.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def text_cell(ws, text: str):
    """A cell of `ws` (any worksheet, write-only or not) showing `text` as typed: control
    characters Excel refuses are dropped, and text that looks like a formula is stored as a
    string with Excel's quote prefix, so it is never run, not even after the cell is edited."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell = WriteOnlyCell(ws, value=text)
    if text.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def cell_value(ws, value):
    """`value` made safe for `ws.append`: the one cell writer every workbook the app writes goes
    through. Text needing protection becomes a `text_cell`; other text and numbers, dates and
    None pass as they are (plain values keep write-only sheets fast)."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    return text_cell(ws, text) if text.startswith(FORMULA_PREFIXES) else text


def inline_text(text: str) -> tuple[str, bool]:
    """`text` as the `<t>` element of an inline-string cell, by `text_cell`'s rules, for a
    writer that writes the sheet's XML itself (the streamed ledger, app/figures/ledger.py):
    control characters Excel refuses dropped, markup escaped (a carriage return as `&#13;`,
    as lxml writes it, so it survives XML's line-end normalisation), leading or trailing
    spaces kept (`xml:space`), as openpyxl writes it. Returns ("" for no text, quote_prefix):
    text that looks like a formula must get a style with Excel's quote prefix."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if not text:
        return "", False
    stripped = text.strip()
    space = ' xml:space="preserve"' if stripped and stripped != text else ""
    return f"<t{space}>{escape(text, _CARRIAGE_RETURN)}</t>", text.startswith(FORMULA_PREFIXES)


_CARRIAGE_RETURN = {"\r": "&#13;"}


def row_values(ws, values) -> list:
    """A row for `ws.append`, every value through `cell_value`."""
    return [cell_value(ws, value) for value in values]


def attachment_disposition(filename: str) -> str:
    """The Content-Disposition of a download named `filename`, written as Werkzeug's send_file
    writes it: an ASCII fallback plus the UTF-8 name (RFC 6266, RFC 5987). Header values
    travel as Latin-1, so a Chinese name sent raw breaks the response (the server refuses to
    write it); a streamed download, which cannot go through send_file, uses this."""
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    options = {"filename": simple or "download"}
    if simple != filename:
        options["filename*"] = "UTF-8''" + quote(filename, safe="!#$&+-.^_`|~")
    return dump_options_header("attachment", options)
