"""The fake Google Calendar's event store: validation, etags, cancellation and listing like Calendar v3."""

from __future__ import annotations

import copy
import itertools
import random
import re
import threading
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.clock import pinned_now

# https://developers.google.com/calendar/api/v3/reference/events/insert: "characters allowed in the ID are
# those used in base32hex encoding, i.e. lowercase letters a-v and digits 0-9 ... length 5 to 1024".
_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_MAX_OVERRIDES = 5
_MAX_REMINDER_MINUTES = 40320
_MAX_PROPERTY_KEY = 44
_REPLACED = ("start", "end", "attendees", "reminders")


class ApiError(Exception):
    """A Calendar API error: HTTP code, Google's reason string and message."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def error_body(code: int, reason: str, message: str, domain: str = "global") -> dict[str, Any]:
    """Google's JSON error envelope."""
    return {"error": {"errors": [{"domain": domain, "reason": reason, "message": message}],
                      "code": code, "message": message}}


def _now() -> str:
    return pinned_now().strftime("%Y-%m-%dT%H:%M:%S.000Z")


class CalendarStore:
    """Events per calendar id; thread-safe; every write gets a fresh etag."""

    def __init__(self) -> None:
        self._cals: dict[str, dict[str, dict[str, Any]]] = {}
        self._lock = threading.RLock()
        self._versions = itertools.count(3181161784712000)
        self._rng = random.Random(7)

    def _etag(self) -> str:
        return f'"{next(self._versions)}"'

    def _cal(self, cal: str) -> dict[str, dict[str, Any]]:
        return self._cals.setdefault(cal, {})

    def _existing(self, cal: str, eid: str) -> dict[str, Any]:
        ev = self._cal(cal).get(eid)
        if ev is None:
            raise ApiError(404, "notFound", "Not Found")
        return ev

    # -- API operations --------------------------------------------------------------------
    def insert(self, cal: str, body: dict[str, Any]) -> dict[str, Any]:
        """events.insert: 400 on a bad id or body, 409 when the id exists (cancelled or not)."""
        with self._lock:
            eid = body.get("id") or "".join(self._rng.choice("abcdefghijklmnopqrstuv0123456789")
                                            for _ in range(26))
            if not _ID.match(eid):
                raise ApiError(400, "invalid", "Invalid resource id value.")
            if eid in self._cal(cal):
                raise ApiError(409, "duplicate", "The requested identifier already exists.")
            _validate(body)
            now = _now()
            ev = copy.deepcopy(body)
            ev.update({"kind": "calendar#event", "id": eid, "etag": self._etag(), "created": now,
                       "updated": now, "iCalUID": f"{eid}@google.com", "sequence": 0,
                       "organizer": {"email": cal, "self": True}, "creator": {"email": cal}})
            ev.setdefault("status", "confirmed")
            self._cal(cal)[eid] = ev
            return copy.deepcopy(ev)

    def get(self, cal: str, eid: str) -> dict[str, Any]:
        """events.get: cancelled events are returned with status "cancelled"."""
        with self._lock:
            return copy.deepcopy(self._existing(cal, eid))

    def patch(self, cal: str, eid: str, body: dict[str, Any], if_match: str | None,
              replace: bool) -> dict[str, Any]:
        """events.patch (merge) or events.update (replace), conditional on If-Match."""
        with self._lock:
            ev = self._existing(cal, eid)
            if if_match and if_match != ev["etag"]:
                raise ApiError(412, "conditionNotMet", "Precondition Failed")
            if "id" in body and body["id"] != eid:
                raise ApiError(400, "invalid", "The event id cannot be changed.")
            merged = copy.deepcopy(ev)
            if replace:
                keep = {k: ev[k] for k in ("kind", "id", "created", "iCalUID", "organizer", "creator")}
                merged = {**keep, "status": "confirmed", **copy.deepcopy(body)}
            else:
                _merge(merged, body)
            _validate(merged)
            merged.update({"etag": self._etag(), "updated": _now(), "sequence": ev.get("sequence", 0) + 1})
            self._cal(cal)[eid] = merged
            return copy.deepcopy(merged)

    def delete(self, cal: str, eid: str, if_match: str | None) -> None:
        """events.delete: the event stays as cancelled; deleting it again is 410 Gone."""
        with self._lock:
            ev = self._existing(cal, eid)
            if ev.get("status") == "cancelled":
                raise ApiError(410, "deleted", "Resource has been deleted")
            if if_match and if_match != ev["etag"]:
                raise ApiError(412, "conditionNotMet", "Precondition Failed")
            ev.update({"status": "cancelled", "etag": self._etag(), "updated": _now()})

    def list(self, cal: str, query: dict[str, list[str]]) -> dict[str, Any]:
        """events.list with privateExtendedProperty, showDeleted, maxResults and pageToken."""
        wanted = [p.split("=", 1) for p in query.get("privateExtendedProperty", [])]
        show_deleted = query.get("showDeleted", ["false"])[-1] == "true"
        size = min(int(query.get("maxResults", ["250"])[-1]), 2500)
        start = int(query.get("pageToken", ["0"])[-1])
        with self._lock:
            items = []
            for eid in sorted(self._cal(cal)):
                ev = self._cal(cal)[eid]
                private = ev.get("extendedProperties", {}).get("private", {})
                if any(private.get(k) != v for k, v in wanted):
                    continue
                if ev.get("status") == "cancelled" and not show_deleted:
                    continue
                items.append(copy.deepcopy(ev))
        page = items[start:start + size]
        out: dict[str, Any] = {"kind": "calendar#events", "summary": cal, "items": page}
        if start + size < len(items):
            out["nextPageToken"] = str(start + size)
        return out

    # -- test helpers ------------------------------------------------------------------------
    def all_events(self, cal: str) -> list[dict[str, Any]]:
        """Every event of a calendar, cancelled included (copies)."""
        with self._lock:
            return [copy.deepcopy(ev) for _, ev in sorted(self._cal(cal).items())]

    def peek(self, cal: str, eid: str) -> dict[str, Any] | None:
        """One event (a copy) or None."""
        with self._lock:
            ev = self._cal(cal).get(eid)
            return copy.deepcopy(ev) if ev is not None else None

    def edit(self, cal: str, eid: str, changes: dict[str, Any]) -> dict[str, Any]:
        """A person's edit in the Calendar UI: fields replaced, new etag, extended properties kept."""
        with self._lock:
            ev = self._existing(cal, eid)
            ev.update(copy.deepcopy(changes))
            ev.update({"etag": self._etag(), "updated": _now()})
            return copy.deepcopy(ev)


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Patch semantics: nested objects merge, arrays and start/end replace."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict) and key not in _REPLACED:
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _validate(ev: dict[str, Any]) -> None:
    """The checks Google makes that a client can get wrong."""
    start, end = ev.get("start"), ev.get("end")
    if not start or not end:
        raise ApiError(400, "required", "Missing end time." if start else "Missing start time.")
    for name, when in (("start", start), ("end", end)):
        if "date" not in when and "dateTime" not in when:
            raise ApiError(400, "required", f"Missing {name} time.")
        if "dateTime" in when and not when.get("timeZone") and not re.search(r"(Z|[+-]\d\d:\d\d)$",
                                                                            when["dateTime"]):
            raise ApiError(400, "required", f"Missing time zone definition for {name} time.")
        if when.get("timeZone") and not _known_zone(when["timeZone"]):
            raise ApiError(400, "invalid", f"Invalid time zone definition for {name} time.")
    if "date" in start and "date" in end and end["date"] <= start["date"]:
        raise ApiError(400, "timeRangeEmpty", "The specified time range is empty.")
    reminders = ev.get("reminders") or {}
    overrides = reminders.get("overrides") or []
    if len(overrides) > _MAX_OVERRIDES:
        raise ApiError(400, "cannotUseMoreThan5Reminders", "Cannot specify more than 5 reminder overrides.")
    for override in overrides:
        if override.get("method") not in ("email", "popup"):
            raise ApiError(400, "invalid", "Invalid reminder method.")
        if not 0 <= int(override.get("minutes", -1)) <= _MAX_REMINDER_MINUTES:
            raise ApiError(400, "invalid", "Invalid value for: reminders.overrides.minutes")
    for scope in ("private", "shared"):
        for key in (ev.get("extendedProperties") or {}).get(scope, {}):
            if len(key) > _MAX_PROPERTY_KEY:
                raise ApiError(400, "invalid", "Extended property key is longer than 44 characters.")
    color = ev.get("colorId")
    if color is not None and color not in {str(i) for i in range(1, 12)}:
        raise ApiError(400, "invalid", "Invalid color id.")
    if ev.get("status") not in (None, "confirmed", "tentative", "cancelled"):
        raise ApiError(400, "invalid", "Invalid status value.")
