"""QR matrices for the cards, and their vector outline.

`qr_rows` returns exactly the matrix that ``qrcode`` builds with error
correction M and automatic version and mask (the tests check this), but about
four times faster: ``qrcode`` places the data eight times and scores each mask
module by module in Python, while here the data is placed once, each mask is a
row-wise XOR on integers and the penalty rules run as regular expressions and
bit operations. ``qrcode`` still does the segment and Reed-Solomon encoding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

ERROR_CORRECTION = ERROR_CORRECT_M
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks

_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i * j) % 3 + (i + j) % 2) % 2 == 0,
)
_RUN5 = re.compile(r"0{5,}|1{5,}")
_DARK_RUN = re.compile(r"1+")


@dataclass(frozen=True)
class _Template:
    """Everything about a symbol version that does not depend on the data."""

    size: int
    function_rows: tuple[int, ...]  # finder, alignment and timing patterns
    order: tuple[tuple[int, int], ...]  # (row, column bit) of data modules in placement order
    mask_rows: tuple[tuple[int, ...], ...]  # per mask: mask bits limited to data modules
    info_rows: tuple[tuple[int, ...], ...]  # per mask: format and version info, dark module


def _bit(size: int, col: int) -> int:
    return 1 << (size - 1 - col)


@lru_cache(maxsize=None)
def _template(version: int) -> _Template:
    n = version * 4 + 17
    grid: list[list[bool | None]] = [[None] * n for _ in range(n)]

    for row, col in ((0, 0), (n - 7, 0), (0, n - 7)):
        for r in range(-1, 8):
            for c in range(-1, 8):
                if 0 <= row + r < n and 0 <= col + c < n:
                    grid[row + r][col + c] = (
                        (0 <= r <= 6 and c in (0, 6))
                        or (0 <= c <= 6 and r in (0, 6))
                        or (2 <= r <= 4 and 2 <= c <= 4)
                    )
    centres = util.pattern_position(version)
    for row in centres:
        for col in centres:
            if grid[row][col] is not None:
                continue
            for r in range(-2, 3):
                for c in range(-2, 3):
                    grid[row + r][col + c] = r in (-2, 2) or c in (-2, 2) or r == c == 0
    for i in range(8, n - 8):
        if grid[i][6] is None:
            grid[i][6] = i % 2 == 0
        if grid[6][i] is None:
            grid[6][i] = i % 2 == 0

    # Format information: bit i sits at two places. Reserve them as light.
    vertical = [(i if i < 6 else i + 1 if i < 8 else n - 15 + i, 8) for i in range(15)]
    horizontal = [(8, n - i - 1 if i < 8 else 15 - i if i < 9 else 14 - i) for i in range(15)]
    fixed = [(n - 8, 8)]  # the "dark module"
    version_cells: list[tuple[int, int]] = []
    version_bits = 0
    if version >= 7:
        version_bits = util.BCH_type_number(version)
        for i in range(18):
            version_cells.append((i // 3, i % 3 + n - 11))
        for i in range(18):
            version_cells.append((i % 3 + n - 11, i // 3))
    for r, c in vertical + horizontal + fixed + version_cells:
        grid[r][c] = False

    function_rows = [0] * n
    data_rows = [0] * n
    for r in range(n):
        for c in range(n):
            if grid[r][c] is None:
                data_rows[r] |= _bit(n, c)
            elif grid[r][c]:
                function_rows[r] |= _bit(n, c)

    order: list[tuple[int, int]] = []
    row, step = n - 1, -1
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1
        while True:
            for c in (col, col - 1):
                if grid[row][c] is None:
                    order.append((row, _bit(n, c)))
            row += step
            if not 0 <= row < n:
                row -= step
                step = -step
                break

    mask_rows = []
    info_rows = []
    for k, mask in enumerate(_MASKS):
        rows = [0] * n
        for r in range(n):
            for c in range(n):
                if mask(r, c):
                    rows[r] |= _bit(n, c)
        mask_rows.append(tuple(m & d for m, d in zip(rows, data_rows)))

        info = [0] * n
        format_bits = util.BCH_type_info((ERROR_CORRECTION << 3) | k)
        for i in range(15):
            if (format_bits >> i) & 1:
                for r, c in (vertical[i], horizontal[i]):
                    info[r] |= _bit(n, c)
        for r, c in fixed:
            info[r] |= _bit(n, c)
        for i, (r, c) in enumerate(version_cells):
            if (version_bits >> (i % 18)) & 1:
                info[r] |= _bit(n, c)
        info_rows.append(tuple(info))

    return _Template(n, tuple(function_rows), tuple(order), tuple(mask_rows), tuple(info_rows))


def _penalty(rows: list[int], n: int) -> int:
    """Score a candidate symbol the way ``qrcode.util.lost_point`` does."""
    width = f"0{n}b"
    lines = [format(r, width) for r in rows]
    lines += map("".join, zip(*lines))
    text = " ".join(lines)  # the space stops runs and patterns at line ends
    runs = _RUN5.findall(text)
    # Neither finder-like pattern can overlap itself, so str.count is exact.
    finder_like = text.count("10111010000") + text.count("00001011101")
    score = sum(map(len, runs)) - 2 * len(runs) + 40 * finder_like
    same_full = (1 << n) - 1
    pairs = (1 << (n - 1)) - 1
    for upper, lower in zip(rows, rows[1:]):
        vertical = (upper ^ lower) ^ same_full
        horizontal = (upper ^ (upper >> 1)) ^ same_full
        score += 3 * (vertical & (vertical >> 1) & horizontal & pairs).bit_count()
    dark = sum(r.bit_count() for r in rows)
    percent = float(dark) / (n**2)
    score += int(abs(percent * 100 - 50) / 5) * 10
    return score


def qr_rows(data: str) -> tuple[str, ...]:
    """Encode data as QR rows of '1' (dark) and '0' (light), without quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION)
    code.add_data(data)
    version = code.best_fit()
    codewords = util.create_data(version, ERROR_CORRECTION, code.data_list)
    t = _template(version)

    placed = [0] * t.size
    bits = "".join(format(b, "08b") for b in codewords)
    for (r, bit), value in zip(t.order, bits):
        if value == "1":
            placed[r] |= bit

    base = [f | d for f, d in zip(t.function_rows, placed)]
    best_mask, best_score = 0, -1
    for k, mask in enumerate(t.mask_rows):
        score = _penalty([b ^ m for b, m in zip(base, mask)], t.size)
        if best_score < 0 or score < best_score:
            best_mask, best_score = k, score
    width = f"0{t.size}b"
    return tuple(
        format(b ^ m | i, width)
        for b, m, i in zip(base, t.mask_rows[best_mask], t.info_rows[best_mask])
    )


def qr_path_ops(rows: tuple[str, ...]) -> str:
    """Return PDF path operators drawing the dark modules, one unit per module.

    Horizontal runs of dark modules become one rectangle, and equal runs in
    consecutive rows are merged into a taller one. The rectangles share one
    path, so a single fill paints them without hairline seams. Row 0 is at
    y = 0 and rows grow in +y; the caller sets the matrix.
    """
    rects: list[str] = []
    open_runs: dict[tuple[int, int], int] = {}
    for y, line in enumerate((*rows, "")):
        runs = {m.span() for m in _DARK_RUN.finditer(line)}
        for span in [s for s in open_runs if s not in runs]:
            top = open_runs.pop(span)
            rects.append(f"{span[0]} {top} {span[1] - span[0]} {y - top} re")
        for span in runs:
            if span not in open_runs:
                open_runs[span] = y
    return "\n".join(rects)


def dark_runs(rows: tuple[str, ...]) -> list[tuple[int, int, int]]:
    """Return (row, first column, end column) for each horizontal run of dark modules."""
    return [(y, *m.span()) for y, line in enumerate(rows) for m in _DARK_RUN.finditer(line)]
