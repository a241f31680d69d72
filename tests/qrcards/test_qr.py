"""The fast QR encoder must give the very matrices qrcode gives, and draw them exactly."""

from __future__ import annotations

import random
import re

import pytest
import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

from qrcards.qr import _penalty, _template, qr_path_ops, qr_rows

from .support import card_url


def reference(data: str) -> tuple[str, ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return tuple("".join("1" if module else "0" for module in row) for row in code.get_matrix())


def samples() -> list[str]:
    rng = random.Random(5)
    data = [card_url(rng) for _ in range(40)]
    data += ["https://example.gov.cn/q/" + "x" * n for n in (1, 20, 60, 120, 250, 400)]  # versions 3 to 15
    data += [str(rng.randrange(10**40)), "HTTPS://EXAMPLE.GOV.CN/Q/ABCDEF0123456789ABCDEF", "馆满意 您码上说，我马上办", "a"]
    return data


@pytest.mark.parametrize("data", samples())
def test_matrix_is_the_one_qrcode_makes_with_error_correction_m(data):
    assert qr_rows(data) == reference(data)


def test_card_urls_fit_version_4_and_leave_four_modules_of_quiet_zone_on_a_22_mm_card_code():
    rows = qr_rows(card_url(random.Random(1)))
    assert len(rows) == 33  # 0.67 mm modules in 22 mm: easy to scan from 30 cm


def test_mask_penalty_is_scored_as_qrcode_scores_it():
    rng = random.Random(9)
    for version in (1, 4, 7):
        t = _template(version)
        n = t.size
        for _ in range(25):
            matrix = [[rng.random() < 0.5 for _ in range(n)] for _ in range(n)]
            rows = int("".join("".join("1" if m else "0" for m in row) + "0" for row in matrix), 2)
            columns = int("".join("".join("1" if matrix[r][c] else "0" for r in range(n)) + "0" for c in range(n)), 2)
            assert _penalty(rows, columns, t) == util.lost_point(matrix)


def test_vector_outline_covers_every_dark_module_once_and_nothing_else():
    rows = qr_rows(card_url(random.Random(2)))
    n = len(rows)
    painted = [[0] * n for _ in range(n)]
    rects = re.findall(r"^(\d+) (\d+) (\d+) (\d+) re$", qr_path_ops(rows), re.M)
    assert len(rects) == qr_path_ops(rows).count("re")
    for x, y, w, h in (map(int, rect) for rect in rects):
        for row in range(y, y + h):
            for col in range(x, x + w):
                painted[row][col] += 1
    assert ["".join(str(v) for v in row) for row in painted] == list(rows)
