"""Benchmark: print 2,000 cards into one PDF, next to the QR-encoding floor.

Run: .venv/bin/python bench/cards.py [--cards 2000] [--workers N]
Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qrcode  # noqa: E402
from qrcode.constants import ERROR_CORRECT_M  # noqa: E402

from qrcards import CardData, render_pdf  # noqa: E402
from qrcards.qr import qr_rows  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华志红海燕玉兰晓东俊峰"
PLACES = ["城关镇", "青山湖街道", "锦城街道", "於潜镇", "太湖源镇", "昌化镇", "清凉峰镇", "河桥镇", "湍口镇", "岛石镇"]
TRADES = ["农业科技", "电子商务", "新材料", "竹木制品", "生物医药", "机械制造", "食品", "文化旅游", "建筑工程", "物流"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "专业合作社"]
SERIAL_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
DEPARTMENTS = ["县市场监督管理局", "县发展和改革局", "县经济和信息化局", "县商务局", "县自然资源和规划局", "县住房和城乡建设局"]


def realistic_cards(count: int, seed: int = 2024) -> list[CardData]:
    """Return cards with random 128-bit URL tokens and plausible Chinese names."""
    rng = random.Random(seed)
    cards = []
    for _ in range(count):
        leader = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        enterprise = (
            rng.choice(PLACES)
            + rng.choice(["", "宏达", "绿源", "天成", "恒信", "金山"])
            + rng.choice(TRADES)
            + rng.choice(FORMS)
        )
        cards.append(
            CardData(
                url="https://example.gov.cn/q/" + secrets.token_urlsafe(16),
                serial="".join(rng.choice(SERIAL_ALPHABET) for _ in range(8)),
                enterprise_name=enterprise,
                package_leader=leader,
                package_leader_phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                department_name=rng.choice(DEPARTMENTS),
                department_phone=f"0571-{rng.randrange(10**8):08d}",
                county="示范县",
            )
        )
    return cards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None, help="default: one per CPU")
    parser.add_argument("--out", type=Path, default=None, help="also write the PDF here")
    args = parser.parse_args()

    cards = realistic_cards(args.cards)
    urls = [card.url for card in cards]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"cards: {args.cards}, CPUs: {len(os.sched_getaffinity(0))}, load average: {load}, URL length: {len(urls[0])}")

    before = os.times()
    started = time.perf_counter()
    pdf = render_pdf(cards, layout="card", imposition=True, workers=args.workers)
    wall = time.perf_counter() - started
    after = os.times()
    main_cpu = after.user + after.system - before.user - before.system
    workers_cpu = after.children_user + after.children_system - before.children_user - before.children_system
    print(f"render_pdf, A4 sheets:         {wall:6.2f} s wall, {len(pdf) / 1e6:5.2f} MB, {-(-args.cards // 10)} pages")
    print(f"  CPU: {main_cpu:.2f} s drawing (this process) + {workers_cpu:.2f} s QR encoding (workers)")
    if args.out:
        args.out.write_bytes(pdf)

    started = time.perf_counter()
    for url in urls:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        code.add_data(url)
        code.make(fit=True)
        code.get_matrix()
    floor = time.perf_counter() - started
    print(f"qrcode floor (encode only):    {floor:6.2f} s, one process")

    started = time.perf_counter()
    for url in urls:
        qr_rows(url)
    ours = time.perf_counter() - started
    print(f"qrcards.qr_rows (encode only): {ours:6.2f} s, one process, same matrices")


if __name__ == "__main__":
    main()
