"""Notices are untrusted: odd, broken and hostile e-mails are read as text or refused, never followed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.sources.notices.mail import MAX_MAIL_BYTES, NoticeError, html_to_text, read_mail
from daemon.sources.notices.nef import parse_notice
from daemon.sources.notices.recognise import recognise


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_any_bytes_are_read_or_refused_with_a_sentence(raw: bytes) -> None:
    try:
        notice = recognise(parse_notice(read_mail(raw, "x.eml"), "x.eml"))
    except NoticeError as exc:
        assert "x.eml" in str(exc)
        return
    assert notice.kind in ("nef", "nda", "other")
    if notice.kind == "other":
        assert notice.review and not notice.triggers


def test_too_large_is_refused_before_parsing() -> None:
    with pytest.raises(NoticeError, match="more than"):
        read_mail(b"From: a@cand.uscourts.gov\r\n\r\n" + b"x" * MAX_MAIL_BYTES, "big.eml")


def test_scripts_styles_and_remote_content_are_not_text() -> None:
    text, links = html_to_text('<p>Docket Text:</p><script>alert("x")</script><style>p{}</style>'
                               '<img src="http://tracker.example/p.gif"><a href="https://ecf.cand.uscourts.gov/doc1/1">45</a>')
    assert "alert" not in text and "p{}" not in text and "tracker" not in text
    assert links == ["https://ecf.cand.uscourts.gov/doc1/1"]  # collected as text, never fetched


def test_header_folding_and_injection_stay_in_their_header() -> None:
    raw = (b"From: ECF <ecf@cand.uscourts.gov>\r\nSubject: Activity in Case\r\n =?utf-8?q?X=0D=0ABcc:_evil@x?=\r\n"
           b"Message-ID: <1@cand.uscourts.gov>\r\n\r\nhello\r\n")
    mail = read_mail(raw, "x.eml")
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.sender == "ecf@cand.uscourts.gov"


def test_a_notice_forged_inside_an_attachment_is_not_read_as_the_body() -> None:
    raw = (b"From: ecf@cand.uscourts.gov\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
           b"--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=n.txt\r\n\r\n"
           b"Notice of Electronic Filing Case Name: X Case Number: 1:23-cv-00001 Docket Text: JUDGMENT\r\n--B--\r\n")
    notice = parse_notice(read_mail(raw, "x.eml"), "x.eml")
    assert notice.kind == "other" and notice.review


def test_undeclared_charset_falls_back_to_windows_1252() -> None:
    raw = b"From: ecf@txwd.uscourts.gov\r\nContent-Type: text/html\r\n\r\n<p>28 U.S.C. \xa7 1404(a)</p>"
    assert "\u00a7 1404(a)" in read_mail(raw, "x.eml").text
