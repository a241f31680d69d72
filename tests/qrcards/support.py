"""Card builders and the external tools the printing tests look through."""

from __future__ import annotations

import base64
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from qrcards import CardData

# Exactly 40 characters: the longest enterprise name the cards promise to hold.
FORTY_CHARACTER_NAME = "临安县城关镇幸福里社区现代农业科技发展有限公司第二分公司东区生产车间仓储物流中心"
assert len(FORTY_CHARACTER_NAME) == 40

LEADERS = ["张建国", "欧阳秀英", "李伟", "王芳"]
DEPARTMENTS = ["县市场监督管理局", "县发展和改革局", "县商务局", "县经济和信息化局"]


def card_url(rng: random.Random) -> str:
    """Return a card URL like the app's: BASE_URL/q/ and a 128-bit token."""
    token = base64.urlsafe_b64encode(rng.randbytes(16)).rstrip(b"=").decode()
    return f"https://example.gov.cn/q/{token}"


def make_cards(count: int, seed: int = 7) -> list[CardData]:
    """Return enterprise cards, one with a 40-character name and one hall card among them."""
    rng = random.Random(seed)
    cards = []
    for i in range(count):
        if i == 3:
            cards.append(CardData(url=card_url(rng), serial=f"H{i:05d}", title="政务服务大厅", county="临安县"))
            continue
        cards.append(
            CardData(
                url=card_url(rng),
                serial=f"E{i:05d}",
                enterprise_name=FORTY_CHARACTER_NAME if i == 1 else f"城关镇第{i + 1}农业科技发展有限公司",
                package_leader=LEADERS[i % len(LEADERS)],
                package_leader_phone=f"138{i:08d}",
                department_name=DEPARTMENTS[i % len(DEPARTMENTS)],
                department_phone=f"0571-8888{i:04d}",
                county="临安县",
            )
        )
    return cards


def tool(name: str) -> str:
    """Return the path of an external tool, or skip: the Makefile's test-deps installs it."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (make test-deps installs poppler-utils and zbar-tools)")
    return path


def rasterise(pdf: bytes, directory: Path, dpi: int = 300) -> list[Path]:
    """Render every page of a PDF to PNG files with pdftoppm."""
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / "cards.pdf"
    source.write_bytes(pdf)
    subprocess.run([tool("pdftoppm"), "-r", str(dpi), "-png", str(source), str(directory / "page")], check=True)
    return sorted(directory.glob("page-*.png"))


def zbarimg(*pictures: Path) -> list[str]:
    """Decode every QR code in the pictures with zbarimg; one entry per code found."""
    result = subprocess.run(
        [tool("zbarimg"), "--raw", "-q", "-Sdisable", "-Sqrcode.enable", *map(str, pictures)],
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 4), result.stderr  # 4: nothing found, which the caller judges
    return result.stdout.splitlines()


def pdf_tool(name: str, pdf: bytes, directory: Path, *args: str) -> str:
    """Run a poppler tool (pdffonts, pdfinfo, pdftotext) on a PDF and return its output."""
    source = directory / f"{name}.pdf"
    source.write_bytes(pdf)
    result = subprocess.run([tool(name), *args, str(source), *(["-"] if name == "pdftotext" else [])],
                            capture_output=True, text=True, check=True)
    return result.stdout
