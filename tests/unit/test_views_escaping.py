"""Hostile intake text (titles, notes, names, flag messages with <script>, quotes and &) is escaped in
every HTML view: the agenda page (with matter sections), a person's page, the digest and the test digest.

The views render through Jinja2 with autoescaping on (daemon/views/html.py). Each field carries its own
marker, so a failure names the field that reached the page unescaped.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

import pytest

from daemon.views.agenda_html import agenda_html
from daemon.views.digest import as_test, compose
from tests.unit.hostile_views import EVIL, TODAY, evil, hostile_agenda

AGENDA_FIELDS = ("matter", "title", "citation", "cite_short", "step1", "step2", "kind", "message", "action",
                 "severity", "matter_title", "court", "status", "attorney", "paralegal", "person_name", "event",
                 "date", "ref", "service", "source", "target", "last_sync", "detail", "generated")
DIGEST_FIELDS = ("matter", "title", "cite_short", "message", "action", "severity", "name", "wdue", "wtitle",
                 "wmatter", "was", "note")
PERSON = "jdoe@firm.com" + evil("attorney")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _pages() -> dict[str, str]:
    agenda, pictures = hostile_agenda()
    previous = {"gone|x|y|": {"due": evil("wdue"), "title": evil("wtitle"), "matter": evil("wmatter")},
                agenda.items[1].deadline.key: {"due": evil("was"), "title": "t", "matter": "m"}}
    digest = compose(agenda, PERSON, TODAY, days=30, previous=previous, name=evil("name"))
    return {
        "agenda": agenda_html(agenda, TODAY, days=30, pictures=pictures, generated=evil("generated")),
        "person agenda": agenda_html(agenda, TODAY, days=30, person=PERSON, pictures=pictures),
        "digest": digest.html,
        "test digest": as_test(digest, evil("note")).html,
    }


@pytest.mark.parametrize("name", ["agenda", "person agenda", "digest", "test digest"])
def test_no_hostile_text_reaches_a_page_as_markup(name: str) -> None:
    page = _pages()[name]
    tags = _tags(page)
    assert "script" not in {t for t, _ in tags}, name
    # The hostile <b> never became a tag: every <b> on the page is one the template wrote (flag ids).
    assert all(not attrs for t, attrs in tags if t == "b")
    for raw in ("<script", "'matter'", '"q"', "& <b>"):
        assert raw not in page, f"{name}: {raw!r} unescaped"


def test_every_field_is_shown_escaped() -> None:
    pages = _pages()
    agenda, digest = pages["agenda"] + pages["person agenda"], pages["digest"] + pages["test digest"]
    for fields, page in ((AGENDA_FIELDS, agenda), (DIGEST_FIELDS, digest)):
        for field in fields:
            shown = escape(evil(field), quote=True).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")
            assert shown in page, f"{field} is not on the page escaped"


def test_attributes_round_trip_to_the_exact_text() -> None:
    """Quotes inside attribute values are escaped, so a browser reads back exactly the stored text."""
    agenda, _ = hostile_agenda()
    tags = _tags(_pages()["agenda"])
    keys = {a.get("data-key") for _, a in tags if "data-key" in a}
    assert keys == {i.deadline.key for i in agenda.items}
    titles = {a.get("title") for t, a in tags if t == "span" and "title" in a}
    assert titles == {evil("title")}
    kinds = {a.get("data-kind") for _, a in tags if "data-kind" in a}
    assert kinds == {evil("kind")}
    assert EVIL.format("matter") in "".join(k or "" for k in keys)
