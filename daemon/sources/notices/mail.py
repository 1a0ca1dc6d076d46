"""Untrusted e-mail bytes -> plain text, headers and link targets, with nothing fetched.

A court notice is HTML or plain text, sometimes forwarded inside another message. This module only
reads: it never resolves a link, never loads an image, never runs a script. Every size is bounded
before the step it protects.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from daemon.errors import DocketdError

MAX_MAIL_BYTES = 10 * 1024 * 1024  # NEFs are a few kB; documents are links, never attachments
MAX_TEXT_CHARS = 400_000  # text read from all parts together
MAX_PARTS = 200

_BLOCK_TAGS = frozenset({"br", "p", "div", "tr", "table", "li", "ul", "ol", "h1", "h2", "h3", "h4",
                         "blockquote", "hr", "pre", "center"})
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "object", "iframe", "svg"})


class NoticeError(DocketdError):
    """A file cannot be read as an e-mail at all (too large, empty, not a message)."""


@dataclass(frozen=True)
class Mail:
    """What docketd reads from one e-mail: headers, the body as text, and the link targets."""

    message_id: str
    sender: str  # lower-case address of the From header
    subject: str
    sent: str | None  # ISO date-time of the Date header, as written
    text: str  # every readable text part, in order, whitespace kept line by line
    links: tuple[str, ...]


class _TextOfHtml(HTMLParser):
    """HTML -> text: block elements become line breaks, table cells spaces; hrefs are collected."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.skip = 0
        self.size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        if tag == "a" and len(self.links) < 500:
            href = next((v for k, v in attrs if k == "href" and v), None)
            if href:
                self.links.append(href.strip()[:2000])

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self.skip:
            self.skip -= 1
        elif tag in _BLOCK_TAGS or tag in ("td", "th"):
            self.parts.append("\n" if tag in _BLOCK_TAGS else " ")

    def handle_data(self, data: str) -> None:
        if not self.skip and self.size < MAX_TEXT_CHARS:
            self.parts.append(data)
            self.size += len(data)


def html_to_text(html: str) -> tuple[str, list[str]]:
    """The readable text of an HTML body and the href targets of its links (never fetched)."""
    p = _TextOfHtml()
    p.feed(html[: MAX_TEXT_CHARS * 4])
    p.close()
    return "".join(p.parts), p.links


_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def read_mail(raw: bytes, where: str) -> Mail:
    """Parse e-mail bytes; raises NoticeError (naming `where`) when they are no e-mail at all."""
    if len(raw) > MAX_MAIL_BYTES:
        raise NoticeError(f"{where}: the e-mail is {len(raw) / 1_048_576:.1f} MB, more than the "
                          f"{MAX_MAIL_BYTES // 1_048_576} MB a court notice can be; it was not read.")
    if not raw.strip():
        raise NoticeError(f"{where}: the file is empty; save the notice as a whole .eml message.")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if not msg.keys():
        raise NoticeError(f"{where}: this is not an e-mail message (no headers); save the notice as .eml.")
    texts: list[str] = []
    links: list[str] = []
    for n, part in enumerate(msg.walk()):
        if n >= MAX_PARTS:
            break
        ctype = part.get_content_type()
        if ctype not in ("text/html", "text/plain") or part.get_content_disposition() == "attachment":
            continue
        body = _decoded(part)
        if ctype == "text/html":
            text, found = html_to_text(body)
            links.extend(found)
        else:
            text = body[:MAX_TEXT_CHARS]
            links.extend(_URL.findall(text))
        texts.append(text)
    return Mail(
        message_id=_clean_header(msg.get("Message-ID", "")).strip("<>"),
        sender=_address(msg.get("From", "")),
        subject=" ".join(_clean_header(msg.get("Subject", "")).split()),
        sent=_date(msg.get("Date")),
        text="\n".join(texts)[:MAX_TEXT_CHARS],
        links=tuple(links[:1000]),
    )


def _decoded(part: Message) -> str:
    if part.get_content_charset() is None:
        # No declared charset: courts send UTF-8 or Windows-1252 ("§"); try them in that order.
        raw = part.get_payload(decode=True)
        if isinstance(raw, bytes):
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                return raw.decode("cp1252", "replace")
    try:
        if isinstance(part, EmailMessage):
            content = part.get_content()
            return content if isinstance(content, str) else ""
    except (LookupError, ValueError, AssertionError):  # unknown charset or broken encoding
        pass
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _clean_header(value: object) -> str:
    return str(value or "").replace("\r", " ").replace("\n", " ")[:2000]


def _address(value: object) -> str:
    pairs = getaddresses([_clean_header(value)])
    return pairs[0][1].strip().lower() if pairs and pairs[0][1] else ""


def _date(value: object) -> str | None:
    try:
        return parsedate_to_datetime(_clean_header(value)).isoformat() if value else None
    except (TypeError, ValueError):
        return None
