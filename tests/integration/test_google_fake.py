"""The Calendar fake behaves like Google where clients can go wrong (others' tests rely on it too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google_auth_httplib2  # type: ignore[import-untyped]
import httplib2
import pytest
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from tests.fakes.google_calendar import FakeGoogle, Request, Response
from tests.fakes.google_keys import SA_EMAIL, make_service_account_key

ALL_DAY = {"start": {"date": "2026-01-26"}, "end": {"date": "2026-01-27"}}


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle() as server:
        yield server


def service(fake: FakeGoogle, tmp_path: Path, subject: str = "jdoe@firm.com") -> Any:
    key = tmp_path / "sa.json"
    if not key.exists():
        fake.add_service_account(SA_EMAIL, make_service_account_key(key, fake.token_uri, SA_EMAIL))
    creds = service_account.Credentials.from_service_account_file(
        str(key), scopes=["https://www.googleapis.com/auth/calendar.events"], subject=subject)
    http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=5))
    return build("calendar", "v3", http=http, static_discovery=True, client_options={"api_endpoint": fake.url})


def status(call: Any) -> int:
    with pytest.raises(HttpError) as info:
        call.execute()
    return int(info.value.resp.status)


def test_ids_are_validated_like_google(fake: FakeGoogle, tmp_path: Path) -> None:
    events = service(fake, tmp_path).events()
    for bad in ("abcd", "ABCDE", "wxyz0", "abc-de"):
        assert status(events.insert(calendarId="primary", body={"id": bad, **ALL_DAY})) == 400
    assert events.insert(calendarId="primary", body={"id": "abcde", **ALL_DAY}).execute()["id"] == "abcde"
    assert status(events.insert(calendarId="primary", body={"id": "abcde", **ALL_DAY})) == 409
    generated = events.insert(calendarId="primary", body=dict(ALL_DAY)).execute()["id"]
    assert len(generated) >= 5 and set(generated) <= set("abcdefghijklmnopqrstuv0123456789")


def test_etags_if_match_put_and_cancelled_events(fake: FakeGoogle, tmp_path: Path) -> None:
    events = service(fake, tmp_path).events()
    ev = events.insert(calendarId="primary", body={"id": "abcde", "summary": "a", "colorId": "5", **ALL_DAY}).execute()
    stale = events.update(calendarId="primary", eventId="abcde", body={"summary": "b", **ALL_DAY})
    stale.headers["If-Match"] = '"nope"'
    assert status(stale) == 412
    put = events.update(calendarId="primary", eventId="abcde", body={"summary": "b", **ALL_DAY})
    put.headers["If-Match"] = ev["etag"]
    replaced = put.execute()
    assert replaced["summary"] == "b" and "colorId" not in replaced and replaced["etag"] != ev["etag"]
    events.delete(calendarId="primary", eventId="abcde").execute()
    assert events.get(calendarId="primary", eventId="abcde").execute()["status"] == "cancelled"
    assert status(events.delete(calendarId="primary", eventId="abcde")) == 410
    assert status(events.get(calendarId="primary", eventId="zzzzz".replace("z", "a"))) == 404
    assert events.list(calendarId="primary").execute()["items"] == []
    assert len(events.list(calendarId="primary", showDeleted=True).execute()["items"]) == 1


def test_googles_limits_on_reminders_and_properties(fake: FakeGoogle, tmp_path: Path) -> None:
    events = service(fake, tmp_path).events()
    six = {"useDefault": False, "overrides": [{"method": "popup", "minutes": m} for m in range(6)]}
    assert status(events.insert(calendarId="primary", body={"reminders": six, **ALL_DAY})) == 400
    far = {"useDefault": False, "overrides": [{"method": "popup", "minutes": 40321}]}
    assert status(events.insert(calendarId="primary", body={"reminders": far, **ALL_DAY})) == 400
    props = {"private": {"k" * 45: "v"}}
    assert status(events.insert(calendarId="primary", body={"extendedProperties": props, **ALL_DAY})) == 400
    empty = {"start": {"date": "2026-01-26"}, "end": {"date": "2026-01-26"}}
    assert status(events.insert(calendarId="primary", body=empty)) == 400
    naive = {"start": {"dateTime": "2026-01-26T09:00:00"}, "end": {"dateTime": "2026-01-26T10:00:00"}}
    assert status(events.insert(calendarId="primary", body=naive)) == 400


def test_list_filters_by_private_property_and_pages(fake: FakeGoogle, tmp_path: Path) -> None:
    events = service(fake, tmp_path).events()
    for i in range(7):
        props = {"private": {"docketd": "1" if i % 2 else "0"}}
        events.insert(calendarId="primary", body={"extendedProperties": props, **ALL_DAY}).execute()
    page = events.list(calendarId="primary", privateExtendedProperty="docketd=1", maxResults=2).execute()
    assert len(page["items"]) == 2 and page["nextPageToken"]
    rest = events.list(calendarId="primary", privateExtendedProperty="docketd=1", maxResults=2,
                       pageToken=page["nextPageToken"]).execute()
    assert len(rest["items"]) == 1 and "nextPageToken" not in rest


def test_per_user_rate_limit_and_primary_per_user(fake: FakeGoogle, tmp_path: Path) -> None:
    fake.rate_limit_per_minute = 3
    jdoe = service(fake, tmp_path).events()
    pat = service(fake, tmp_path, subject="pat@firm.com").events()
    for _ in range(3):
        jdoe.list(calendarId="primary").execute()
    with pytest.raises(HttpError) as info:
        jdoe.list(calendarId="primary").execute()
    assert info.value.resp.status == 403 and b"userRateLimitExceeded" in info.value.content
    pat.insert(calendarId="primary", body=dict(ALL_DAY)).execute()  # another user's quota
    assert len(fake.events("pat@firm.com")) == 1 and fake.events("jdoe@firm.com") == []


def test_unknown_tokens_are_401_and_faults_are_counted(fake: FakeGoogle, tmp_path: Path) -> None:
    events = service(fake, tmp_path).events()
    events.list(calendarId="primary").execute()
    fake.inject("503")
    assert status(events.list(calendarId="primary")) == 503
    assert fake.calls[-1] == ("GET", "/calendar/v3/calendars/primary/events", 503)
    resp, _ = httplib2.Http().request(fake.url + "calendars/primary/events", "GET",
                                      headers={"Authorization": "Bearer forged"})
    assert resp.status == 401


def test_latency_and_mounted_handlers(fake: FakeGoogle, tmp_path: Path) -> None:
    seen: list[str] = []

    def sheets(req: Request) -> Response:
        seen.append(req.user)
        return Response(200, {"values": [["matter"]]})

    fake.mount("/v4/spreadsheets", sheets)
    http = service(fake, tmp_path).events()._http
    fake.latency_ms = 20  # slows every answer; nothing else changes
    resp, body = http.request(fake.root + "v4/spreadsheets/abc/values/Intake", "GET")
    assert resp.status == 200 and b"matter" in body and seen == ["jdoe@firm.com"]
