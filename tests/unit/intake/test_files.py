"""read_intake on real files of every format, every encoding and dialect, and every kind of bad input."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.intake import EXTENSIONS, IntakeError, read_intake
from tests.unit.intake.helpers import GOOD, HEADER, check_event, write

EXAMPLES = Path(__file__).resolve().parents[3] / "config" / "examples"


def only_file_error(path: Path) -> str:
    result = read_intake(path, check_event=check_event)
    assert result.triggers == []
    (error,) = result.errors
    assert error.row is None and error.file == path.name
    assert error.message.endswith(".")
    return error.message


# --- the shipped examples -------------------------------------------------------------------------


def test_every_example_says_the_same_thing() -> None:
    seen = {}
    for ext in ("csv", "xlsx", "json", "yaml"):
        result = read_intake(EXAMPLES / f"intake-example.{ext}", check_event=check_event)
        assert result.errors == [], ext
        seen[ext] = [dataclasses.replace(t, provenance=None) for t in result.triggers]
    assert seen["xlsx"] == seen["json"] == seen["yaml"] == seen["csv"]
    first = seen["csv"][0]
    assert (first.matter, first.title, first.court, first.event, first.date, first.service) == (
        "2026-0142", "Acme v. Widget", "federal", "summons_served", date(2026, 1, 5), "personal")
    assert first.attorneys == ("jdoe@firm.com",) and first.paralegals == ("pat@firm.com",)


def test_example_workbook_matches_its_generator(tmp_path: Path) -> None:
    from tests.unit.intake.make_example_xlsx import build

    build(tmp_path / "intake-example.xlsx")
    fresh = read_intake(tmp_path / "intake-example.xlsx").triggers
    shipped = read_intake(EXAMPLES / "intake-example.xlsx").triggers
    assert [dataclasses.replace(t, provenance=None) for t in fresh] == [
        dataclasses.replace(t, provenance=None) for t in shipped]


def test_provenance_names_file_row_and_checksum(tmp_path: Path) -> None:
    import hashlib

    path = write(tmp_path, "in.csv", f"{HEADER}\n{GOOD}\n")
    (trigger,) = read_intake(path).triggers
    assert trigger.provenance is not None
    assert trigger.provenance.source == "in.csv" and trigger.provenance.row == 2
    assert trigger.provenance.checksum == hashlib.sha256(path.read_bytes()).hexdigest()


# --- CSV: encodings and dialects ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("utf8.csv", f"{HEADER}\n{GOOD.replace('Acme', 'Açme')}\n".encode()),
        ("bom.csv", b"\xef\xbb\xbf" + f"{HEADER}\r\n{GOOD.replace('Acme', 'Açme')}\r\n".encode()),
        ("cp1252.csv", f"{HEADER}\n{GOOD.replace('Acme', 'Açme')}\n".encode("cp1252")),
        ("semicolon.csv", f"{HEADER}\n{GOOD.replace('Acme', 'Açme')}\n".replace(",", ";").encode()),
        ("excel-sep.csv", ("sep=;\n" + f"{HEADER}\n{GOOD.replace('Acme', 'Açme')}\n".replace(",", ";")).encode()),
        ("tabs.tsv", f"{HEADER}\n{GOOD.replace('Acme', 'Açme')}\n".replace(",", "\t").encode()),
        ("unicode.txt", f"{HEADER}\r\n{GOOD.replace('Acme', 'Açme')}\r\n".replace(",", "\t").encode("utf-16")),
    ],
)
def test_csv_encodings_and_dialects(tmp_path: Path, name: str, content: bytes) -> None:
    result = read_intake(write(tmp_path, name, content), check_event=check_event)
    assert result.errors == []
    (trigger,) = result.triggers
    assert trigger.title == "Açme v. Widget" and trigger.date == date(2026, 1, 5)
    expected_row = 3 if name == "excel-sep.csv" else 2
    assert trigger.provenance is not None and trigger.provenance.row == expected_row


def test_quoted_values_with_separators_and_newlines(tmp_path: Path) -> None:
    text = (f"{HEADER}\n"
            '2026-0142,"Acme, Inc. v. Widget",federal,summons_served,2026-01-05,,personal,,'
            '"jdoe@firm.com;asmith@firm.com",pat@firm.com,open,"two\nlines"\n'
            f"{GOOD.replace('summons_served', 'trial')}\n")
    result = read_intake(write(tmp_path, "q.csv", text))
    assert result.errors == []
    first, second = result.triggers
    assert first.title == "Acme, Inc. v. Widget" and first.notes == "two\nlines"
    assert first.attorneys == ("jdoe@firm.com", "asmith@firm.com")
    assert second.provenance is not None and second.provenance.row == 3  # a person's row, not a line


def test_semicolons_inside_values_do_not_fool_the_delimiter_sniffer(tmp_path: Path) -> None:
    text = f"{HEADER}\n" + GOOD.replace("jdoe@firm.com", '"jdoe@firm.com;a@firm.com;b@firm.com"') + "\n"
    result = read_intake(write(tmp_path, "s.csv", text))
    assert result.errors == [] and len(result.triggers[0].attorneys) == 3


def test_row_with_more_values_than_columns_is_refused_others_kept(tmp_path: Path) -> None:
    text = "matter,court,event,date\n2026-0142,federal,summons_served,2026-01-05\n2026-0143,federal,trial,1,5,2026\n"
    result = read_intake(write(tmp_path, "x.csv", text))
    assert [t.matter for t in result.triggers] == ["2026-0142"]
    (error,) = result.errors
    assert error.row == 3 and "separator inside a value needs quotes" in error.message
    assert result.rows == 2


def test_blank_lines_keep_row_numbers_as_a_person_sees_them(tmp_path: Path) -> None:
    text = f"\n{HEADER}\n\n{GOOD}\n,,,,,,,,,,,\n{GOOD.replace('2026-01-05', 'soon')}\n"
    result = read_intake(write(tmp_path, "b.csv", text))
    assert [t.provenance.row for t in result.triggers if t.provenance] == [4]
    assert [e.row for e in result.errors] == [6]


def test_duplicate_header_is_refused(tmp_path: Path) -> None:
    result = read_intake(write(tmp_path, "d.csv", "matter,court,event,date,date\n1,federal,trial,2026-01-05,x\n"))
    assert result.triggers == [] and "appears twice" in result.errors[0].message


# --- XLSX ----------------------------------------------------------------------------------------


def _workbook(path: Path, rows: list[list[object]], title: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_xlsx_with_typed_cells(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "t.xlsx", [
        ["Matter #", "Court", "Event", "Date", "Time", "Attorney"],
        [20260142, "federal", "scheduling_conference", datetime(2026, 2, 9), time(10, 0), "jdoe@firm.com"],
        [None, None, None, None, None, None],
        ["2026-0143", "federal", "trial", "1/5/2027", "9:00 AM", None],
    ])
    result = read_intake(path, check_event=check_event)
    assert result.errors == []
    first, second = result.triggers
    assert first.matter == "20260142" and first.date == date(2026, 2, 9) and first.time == time(10, 0)
    assert second.date == date(2027, 1, 5) and second.provenance is not None and second.provenance.row == 4


def test_xlsx_uses_the_intake_sheet_else_the_first(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["not", "intake"])
    other = wb.create_sheet("INTAKE")
    other.append(["matter", "court", "event", "date"])
    other.append(["2026-0142", "federal", "trial", "2027-03-05"])
    wb.save(tmp_path / "w.xlsx")
    assert len(read_intake(tmp_path / "w.xlsx").triggers) == 1
    missing = read_intake(tmp_path / "w.xlsx", sheet="Docket")
    assert "no sheet named 'Docket'" in missing.errors[0].message


def test_xlsx_header_not_in_the_first_row(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "h.xlsx", [
        ["Smith & Jones LLP — intake"], [], ["matter", "court", "event", "date"],
        ["2026-0142", "federal", "trial", date(2027, 3, 5)], ["2026-0143", "federal", "trial", "someday"],
    ])
    result = read_intake(path)
    assert [t.provenance.row for t in result.triggers if t.provenance] == [4]
    assert [e.row for e in result.errors] == [5]


def _patch_xlsx(path: Path, member: str, edit: re.Pattern[str], replacement: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                text, count = edit.subn(replacement, data.decode())
                assert count == 1
                data = text.encode()
            target.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def test_xlsx_formulas_use_the_saved_value_and_are_never_evaluated(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "f.xlsx", [
        ["matter", "court", "event", "date"],
        ["2026-0142", "federal", '=CONCAT("summons","_served")', date(2026, 1, 5)],
        ["2026-0143", "federal", '=CONCAT("tri","al")', date(2026, 1, 5)],
    ])
    # Give row 2's formula the cached value Excel would have saved; row 3's has none (never calculated).
    _patch_xlsx(path, "xl/worksheets/sheet1.xml", re.compile(r'<c r="C2"[^>]*><f>([^<]*)</f><v\s*/?>(</v>)?'),
                r'<c r="C2" t="str"><f>\1</f><v>summons_served</v>')
    result = read_intake(path)
    assert [t.event for t in result.triggers] == ["summons_served"]
    assert [(e.row, e.column) for e in result.errors] == [(3, "event")]
    assert 'formula =CONCAT("tri","al") but the workbook has no saved value' in result.errors[0].message


def test_xlsx_error_cells_are_named(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "e.xlsx", [["matter", "court", "event", "date"],
                                          ["2026-0142", "federal", "trial", "#REF!"]])
    assert "#REF!" in read_intake(path).errors[0].message


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("junk.xlsx", b"PK\x03\x04 not really a zip at all" * 10, "not a readable Excel workbook"),
        ("renamed.xlsx", f"{HEADER}\n{GOOD}\n".encode(), "not a readable Excel workbook"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "save it as .xlsx"),
    ],
)
def test_unreadable_workbooks(tmp_path: Path, name: str, content: bytes, says: str) -> None:
    assert says in only_file_error(write(tmp_path, name, content))


def test_truncated_workbook(tmp_path: Path) -> None:
    _workbook(tmp_path / "whole.xlsx", [["matter", "court", "event", "date"], ["1", "federal", "trial", "x"]])
    data = (tmp_path / "whole.xlsx").read_bytes()
    assert "not a readable Excel workbook" in only_file_error(write(tmp_path, "half.xlsx", data[: len(data) // 2]))


def test_a_zip_whose_parts_are_not_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not a readable Excel workbook" in only_file_error(write(tmp_path, "z.xlsx", buffer.getvalue()))


def test_zip_bomb_is_refused_before_openpyxl_opens_it(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (8 * 1024 * 1024))
    assert "a ratio no real spreadsheet has" in only_file_error(write(tmp_path, "bomb.xlsx", buffer.getvalue()))


# --- JSON and YAML --------------------------------------------------------------------------------


def test_json_list_and_rows_object(tmp_path: Path) -> None:
    row = {"matter": "2026-0142", "court": "federal", "event": "trial", "date": "2027-03-05"}
    assert len(read_intake(write(tmp_path, "a.json", json.dumps([row]))).triggers) == 1
    result = read_intake(write(tmp_path, "b.json", json.dumps({"rows": [row, "oops", {**row, "date": "x"}]})))
    assert len(result.triggers) == 1
    assert [(e.row, e.column) for e in result.errors] == [(2, None), (3, "date")]
    assert result.rows == 3


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"matter": "1", ', "not valid JSON (line 1"),
        ('{"people": []}', "must be a list of rows"),
        ("[]", "holds no rows"),
        ('[{"matter": "1", "matter": "2"}]', "key 'matter' twice"),
        ("[" * 5000 + "]" * 5000, "nested more than"),
        ('[{"matter": {"a": {"b": 1}}}]', "nested"),
    ],
)
def test_bad_json(tmp_path: Path, content: str, says: str) -> None:
    result = read_intake(write(tmp_path, "bad.json", content))
    assert result.triggers == [] and says in result.errors[0].message


def test_yaml_reads_values_as_text_not_yaml_types(tmp_path: Path) -> None:
    text = ("- matter: 0142\n  court: federal\n  event: scheduling_conference\n  date: 2026-02-09\n"
            "  time: 9:30\n  ref: no\n  attorney:\n    - jdoe@firm.com\n    - pat@firm.com\n")
    result = read_intake(write(tmp_path, "a.yaml", text))
    assert result.errors == []
    (t,) = result.triggers
    assert (t.matter, t.time, t.ref, t.attorneys) == ("0142", time(9, 30), "no", ("jdoe@firm.com", "pat@firm.com"))


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("- matter: 1\n court: x\n", "not valid YAML (line"),
        ("matter: 1\n", "must be a list of rows"),
        ("- a\n---\n- b\n", "not valid YAML"),
        ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)),
         "more than 20 aliases"),
        ("- " + "[" * 50 + "]" * 50 + "\n", "nested more than"),
        ("- !!python/object/apply:os.system [echo hi]\n", "not valid YAML"),
    ],
)
def test_bad_yaml(tmp_path: Path, content: str, says: str) -> None:
    result = read_intake(write(tmp_path, "bad.yml", content))
    assert result.triggers == [] and says in result.errors[0].message


# --- broken files of every kind -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("empty.csv", b"", "The file is empty"),
        ("blank.csv", b"\n\n  \n", "The file is empty"),
        ("header-only.csv", f"{HEADER}\n".encode(), "header row but no data rows"),
        ("junk.csv", bytes(range(256)) * 40, "binary data"),
        ("junk.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(1, 32)) * 50, "binary data"),
        ("intake.pdf", b"%PDF-1.7", "does not read '.pdf' files"),
        ("intake", b"matter", "does not read 'no extension' files"),
        ("empty.json", b"", "The file is empty"),
        ("junk.json", b"\xff\xfe\x00\x01garbage", "not UTF-8"),
        ("junk.yaml", b"\xff\xfe\x00\x01garbage", "not UTF-8"),
    ],
)
def test_broken_files_give_one_file_level_error(tmp_path: Path, name: str, content: bytes, says: str) -> None:
    assert says in only_file_error(write(tmp_path, name, content))


def test_200000_rows_are_refused_with_a_size_message(tmp_path: Path) -> None:
    body = "".join(f"2026-{i:06d},federal,trial,2027-03-05\n" for i in range(200_000))
    message = only_file_error(write(tmp_path, "huge.csv", "matter,court,event,date\n" + body))
    assert "more than 100,000 data rows" in message and "split" in message


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)  # sparse: no real disk use
    assert "split it into smaller files" in only_file_error(path)


def test_missing_file_is_an_io_error_not_a_row_error(tmp_path: Path) -> None:
    with pytest.raises(IntakeError, match="Could not read the intake file"):
        read_intake(tmp_path / "gone.csv")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), ext=st.sampled_from(EXTENSIONS))
def test_any_bytes_are_read_or_refused_never_raised(tmp_path: Path, data: bytes, ext: str) -> None:
    result = read_intake(write(tmp_path, f"fuzz{ext}", data), check_event=check_event)
    for error in result.errors:
        assert error.message and error.file == f"fuzz{ext}"
