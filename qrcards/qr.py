"""QR matrices for the cards, and their vector outline.

`qr_rows` returns exactly the matrix that ``qrcode`` builds with error
correction M and automatic version and mask (the tests check this), some
twenty times faster. ``qrcode`` places the data eight times and scores each
mask module by module; here a symbol is one big integer, the data is placed
once with a precomputed gather, each mask is one XOR, and the penalty rules
are shifts, ANDs and bit counts. The Reed-Solomon remainder takes one table
lookup and one XOR per data byte. ``qrcode`` still splits the data into
segments and supplies its tables, so both agree on every input.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from qrcode import base, exceptions, util
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
_DARK_RUN = re.compile(r"1+")


@dataclass(frozen=True)
class _Template:
    """Everything about a symbol version that does not depend on the data.

    A symbol is handled as one big integer: the rows of the matrix written one
    after the other, each followed by a light separator module, read as a binary
    number (row 0 first, most significant). The transposed symbol is packed the
    same way. Separators stop runs and patterns at the end of a row.
    """

    size: int
    gather_rows: itemgetter  # picks the packed symbol's modules out of "<codeword bits>01"
    gather_columns: itemgetter  # the same for the transposed symbol
    masks: tuple[tuple[int, int], ...]  # per mask pattern: packed rows, packed columns (data modules only)
    info: tuple[int, ...]  # per mask pattern: format and version information, dark module (packed rows)
    full: int  # every module
    block_corners: int  # modules that are the lower right corner of a 2 x 2 block


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
        version_cells += [(i // 3, i % 3 + n - 11) for i in range(18)]
        version_cells += [(i % 3 + n - 11, i // 3) for i in range(18)]
    for r, c in vertical + horizontal + fixed + version_cells:
        grid[r][c] = False

    codeword_bits = 8 * sum(block.total_count for block in base.rs_blocks(version, ERROR_CORRECTION))
    light, dark = codeword_bits, codeword_bits + 1  # indexes of "0" and "1" after the codeword bits
    source = [[light if grid[r][c] is False else dark if grid[r][c] else -1 for c in range(n)] for r in range(n)]
    row, step, k = n - 1, -1, 0
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1  # skip the vertical timing pattern
        while True:
            for c in (col, col - 1):
                if grid[row][c] is None:
                    source[row][c] = k if k < codeword_bits else light  # remainder bits are light
                    k += 1
            row += step
            if not 0 <= row < n:
                row -= step
                step = -step
                break

    def packed(value: Callable[[int, int], bool], transposed: bool = False) -> int:
        return int(
            "".join(
                "".join("1" if (value(c, r) if transposed else value(r, c)) else "0" for c in range(n)) + "0"
                for r in range(n)
            ),
            2,
        )

    def gather(transposed: bool) -> itemgetter:
        order = []
        for r in range(n):
            order += [source[c][r] if transposed else source[r][c] for c in range(n)]
            order.append(light)
        return itemgetter(*order)

    masks = []
    info = []
    for pattern, mask in enumerate(_MASKS):
        masks.append(
            (
                packed(lambda r, c, mask=mask: grid[r][c] is None and mask(r, c)),
                packed(lambda r, c, mask=mask: grid[r][c] is None and mask(r, c), transposed=True),
            )
        )
        cells = set(fixed)
        format_bits = util.BCH_type_info((ERROR_CORRECTION << 3) | pattern)
        cells |= {cell for i in range(15) if (format_bits >> i) & 1 for cell in (vertical[i], horizontal[i])}
        cells |= {cell for i, cell in enumerate(version_cells) if (version_bits >> (i % 18)) & 1}
        info.append(packed(lambda r, c, cells=cells: (r, c) in cells))

    return _Template(
        size=n,
        gather_rows=gather(False),
        gather_columns=gather(True),
        masks=tuple(masks),
        info=tuple(info),
        full=packed(lambda r, c: True),
        block_corners=packed(lambda r, c: r > 0 and c > 0),
    )


# The 1:1:3:1:1 finder-like pattern with four light modules on one side, as
# (shift, dark?) pairs. Its mirror image is the other variant; counting both
# makes the reading direction irrelevant.
_FINDER_LIKE = tuple(
    tuple((shift, bit == "1") for shift, bit in enumerate(pattern)) for pattern in ("10111010000", "00001011101")
)


def _penalty(rows: int, columns: int, t: _Template) -> int:
    """Score a packed candidate symbol exactly as ``qrcode.util.lost_point`` does."""
    score = 0
    for dark in (rows, columns):
        light = dark ^ t.full
        for same in (dark, light):
            # Bit i of five is set when modules i..i+4 share a colour: a run of
            # length L >= 5 sets L - 4 bits and costs 3 + (L - 5) = (L - 4) + 2.
            five = same & (same >> 1) & (same >> 2) & (same >> 3) & (same >> 4)
            score += five.bit_count() + 2 * (five & ~(five >> 1)).bit_count()
        for pattern in _FINDER_LIKE:
            found = t.full
            for shift, is_dark in pattern:
                found &= (dark if is_dark else light) >> shift
            score += 40 * found.bit_count()
    stride = t.size + 1
    vertical = ~(rows ^ (rows >> stride))
    horizontal = ~(rows ^ (rows >> 1))
    score += 3 * (vertical & (vertical >> 1) & horizontal & t.block_corners).bit_count()
    percent = float(rows.bit_count()) / (t.size**2)
    score += int(abs(percent * 100 - 50) / 5) * 10
    return score


_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i] = _value
    _LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@lru_cache(maxsize=None)
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """Return, for each byte f, f times the generator polynomial as one big-endian integer."""
    generator = [1]
    for i in range(ec_count):  # multiply by (x - a^i)
        factor = _EXP[i]
        nxt = generator + [0]
        for j, coefficient in enumerate(generator):
            if coefficient:
                nxt[j + 1] ^= _EXP[_LOG[coefficient] + _LOG[factor]]
        generator = nxt
    table = [0]
    for f in range(1, 256):
        product = 0
        for coefficient in generator[1:]:
            product = (product << 8) | (_EXP[_LOG[coefficient] + _LOG[f]] if coefficient else 0)
        table.append(product)
    return tuple(table)


def _ec_bytes(data: bytes, ec_count: int) -> bytes:
    """Return the Reed-Solomon remainder of data, ec_count bytes long."""
    table = _rs_table(ec_count)
    shift = 8 * (ec_count - 1)
    mask = (1 << (8 * ec_count)) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & mask) ^ table[(remainder >> shift) ^ byte]
    return remainder.to_bytes(ec_count, "big")


def _segment_bits(chunk: util.QRData, version: int) -> str:
    bits = [format(chunk.mode, "04b"), format(len(chunk), f"0{util.length_in_bits(chunk.mode, version)}b")]
    data = chunk.data
    if chunk.mode == util.MODE_NUMBER:
        for i in range(0, len(data), 3):
            part = data[i : i + 3]
            bits.append(format(int(part), f"0{util.NUMBER_LENGTH[len(part)]}b"))
    elif chunk.mode == util.MODE_ALPHA_NUM:
        for i in range(0, len(data), 2):
            part = data[i : i + 2]
            if len(part) == 2:
                bits.append(format(util.ALPHA_NUM.find(part[:1]) * 45 + util.ALPHA_NUM.find(part[1:]), "011b"))
            else:
                bits.append(format(util.ALPHA_NUM.find(part), "06b"))
    elif data:
        bits.append(format(int.from_bytes(data, "big"), f"0{8 * len(data)}b"))
    return "".join(bits)


_PAYLOAD_BITS = {
    util.MODE_NUMBER: lambda n: 10 * (n // 3) + (0, 4, 7)[n % 3],
    util.MODE_ALPHA_NUM: lambda n: 11 * (n // 2) + 6 * (n % 2),
    util.MODE_8BIT_BYTE: lambda n: 8 * n,
}


def _version(chunks: list[util.QRData]) -> int:
    """Return the smallest version that holds the chunks, as ``QRCode.best_fit`` does."""
    start = 1
    while True:
        sizes = util.mode_sizes_for_version(start)
        needed = sum(4 + sizes[chunk.mode] + _PAYLOAD_BITS[chunk.mode](len(chunk)) for chunk in chunks)
        version = bisect_left(util.BIT_LIMIT_TABLE[ERROR_CORRECTION], needed, start)
        if version == 41:
            raise exceptions.DataOverflowError(f"{needed} bits do not fit in a QR code")
        if util.mode_sizes_for_version(version) is sizes:
            return version
        start = version


def _codewords(data: str) -> tuple[int, str]:
    """Return the version and the interleaved data and error correction codewords, as bits."""
    chunks = list(util.optimal_data_chunks(data, minimum=20))  # as QRCode.add_data splits it
    version = _version(chunks)
    blocks = base.rs_blocks(version, ERROR_CORRECTION)
    limit = 8 * sum(block.data_count for block in blocks)
    bits = "".join(_segment_bits(chunk, version) for chunk in chunks)
    bits += "0" * min(limit - len(bits), 4)
    bits += "0" * (-len(bits) % 8)
    pad = (limit - len(bits)) // 8
    stream = int(bits, 2).to_bytes(len(bits) // 8, "big") + (b"\xec\x11" * (pad // 2 + 1))[:pad]

    data_blocks, ec_blocks = [], []
    offset = 0
    for block in blocks:
        chunk = stream[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_ec_bytes(chunk, block.total_count - block.data_count))
    out = bytearray()
    for group in (data_blocks, ec_blocks):
        for i in range(max(map(len, group))):
            out.extend(b[i] for b in group if i < len(b))
    return version, format(int.from_bytes(out, "big"), f"0{8 * len(out)}b")


def qr_rows(data: str) -> tuple[str, ...]:
    """Encode data as QR rows of '1' (dark) and '0' (light), without quiet zone."""
    version, bits = _codewords(data)
    t = _template(version)
    source = bits + "01"
    rows = int("".join(t.gather_rows(source)), 2)
    columns = int("".join(t.gather_columns(source)), 2)
    scores = [_penalty(rows ^ mask_rows, columns ^ mask_columns, t) for mask_rows, mask_columns in t.masks]
    best = scores.index(min(scores))  # the first of equals, as qrcode picks
    n = t.size
    stride = n + 1
    text = format(rows ^ t.masks[best][0] | t.info[best], f"0{n * stride}b")
    return tuple(text[i : i + n] for i in range(0, n * stride, stride))


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
