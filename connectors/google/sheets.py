"""Google Sheets as an intake source: read one tab through the values API v4, write one status column.

Reads use `valueRenderOption=UNFORMATTED_VALUE` with `dateTimeRenderOption=SERIAL_NUMBER`, so a date
cell arrives as a day number whatever the sheet's locale (a formatted "05/01/2026" could be May 1 or
January 5). Writes use `valueInputOption=RAW` on exactly the status column's cells: nothing a person
types is ever overwritten, and a status can never be taken for a formula.
Change detection is Drive `files.get(fields=version)`: one small call per poll; the values are read
only when the version moved (docs/sheets.md).
Credentials: a service account (the sheet shared with its e-mail, or domain-wide delegation via
`subject`), or an OAuth token file that carries the Sheets and Drive-metadata scopes.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import google_auth_httplib2  # type: ignore[import-untyped]
import httplib2
from google.auth import exceptions as auth_exceptions
from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from connectors.base import AuthError, ConnectorContext, ConnectorError, PermanentError, TransientError
from connectors.google.auth import TokenKeeper, resolve
from connectors.google.http import Caller, is_transient, retry_after, shared_throttle, short_reason, status_of

log = logging.getLogger(__name__)

SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets",  # read the tab, write the status column
    "https://www.googleapis.com/auth/drive.metadata.readonly",  # files.get version: cheap change detection
]
SERIAL_EPOCH = date(1899, 12, 30)  # day zero of Sheets (and Excel 1900-system) serial numbers
_RANGE = re.compile(r"^(?:'((?:[^']|'')+)'|([^!]+))!([A-Z]+)(\d+)(?::[A-Z]*\d*)?$")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (A1 notation)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 0, AA -> 26."""
    value = 0
    for ch in letters:
        value = value * 26 + ord(ch) - 64
    return value - 1


def quote_tab(tab: str) -> str:
    """A tab name as A1 notation needs it: 'My Tab' (quotes doubled inside)."""
    return "'" + tab.replace("'", "''") + "'"


def serial_to_date(value: float) -> date | datetime:
    """A Sheets serial number as a date (whole days) or datetime (with a time of day)."""
    days = SERIAL_EPOCH + timedelta(days=value)
    whole = date(days.year, days.month, days.day)
    if float(value).is_integer():
        return whole
    return datetime.combine(SERIAL_EPOCH, clock_time(0)) + timedelta(days=value)


def serial_to_time(value: float) -> clock_time:
    """The time-of-day part of a Sheets serial number (rounded to the minute)."""
    minutes = round((value % 1) * 24 * 60) % (24 * 60)
    return clock_time(minutes // 60, minutes % 60)


@dataclass(frozen=True)
class SheetValues:
    """A tab's cells as the values API returned them and where they start (1-based row, 0-based column)."""

    tab: str
    first_row: int
    first_col: int
    rows: list[list[object]]


def parse_returned_range(text: str) -> tuple[str, int, int]:
    """(tab, first column index, first row) of a range the API returned, e.g. "'Intake'!A1:L40"."""
    m = _RANGE.match(text)
    if m is None:
        raise PermanentError(f"Google Sheets answered with a range docketd cannot read: {text!r}.")
    tab = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    return tab, column_index(m.group(3)), int(m.group(4))


def load_credentials(name: str, section: dict[str, Any], ctx: ConnectorContext) -> tuple[TokenKeeper, str]:
    """Credentials for a [sources.NAME] google-sheet section, and who they act as (for the quota)."""
    where = f"[sources.{name}]"
    mode = str(section.get("auth", "service-account"))
    if mode == "service-account":
        key = section.get("credentials")
        if not key and ctx.credentials_dir:
            key = str(Path(ctx.credentials_dir) / "google-sa.json")
        if not key:
            raise PermanentError(f"{where} needs `credentials` = the service-account key file.")
        path = resolve(str(key), ctx)
        subject = str(section.get("subject") or "") or None
        try:
            creds: Credentials = service_account.Credentials.from_service_account_file(
                str(path), scopes=SCOPES, subject=subject)
        except FileNotFoundError:
            raise AuthError(f"{where} credentials file {path} does not exist; put the service account's "
                            "JSON key there (mode 0600).") from None
        except (ValueError, KeyError) as exc:
            raise AuthError(f"{where} credentials file {path} is not a service-account key "
                            f"({type(exc).__name__}); download a new JSON key.") from None
        return TokenKeeper(creds, None), subject or str(getattr(creds, "service_account_email", name))
    if mode == "oauth":
        token = section.get("token_file")
        if not token:
            raise PermanentError(f"{where} auth = \"oauth\" needs `token_file` = an OAuth token JSON that "
                                 "grants the spreadsheets and drive.metadata.readonly scopes.")
        path = resolve(str(token), ctx)
        try:
            creds = user_credentials.Credentials.from_authorized_user_file(str(path), SCOPES)
        except FileNotFoundError:
            raise AuthError(f"{where} token file {path} does not exist.") from None
        except (ValueError, KeyError):
            raise AuthError(f"{where} token file {path} is damaged; authorise again.") from None
        return TokenKeeper(creds, path), str(section.get("account") or name)
    raise PermanentError(f"{where} auth = {mode!r} is not known; use \"service-account\" or \"oauth\".")


def translate(exc: BaseException, where: str) -> ConnectorError:
    """A Sheets or Drive failure as the error a person can act on."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, auth_exceptions.RefreshError):
        return AuthError(f"Google refused docketd's credentials for {where}; check the key file, or the "
                         "service account's domain-wide delegation if `subject` is set.")
    if is_transient(exc):
        return TransientError(f"Google Sheets was unavailable for {where} ({short_reason(exc)}); docketd will "
                              "try again at the next poll.", retry_after(exc))
    if isinstance(exc, HttpError):
        status = status_of(exc)
        if status == 401:
            return AuthError(f"Google rejected docketd's credentials for {where}; fix the key or token file.")
        if status in (403, 404):
            return PermanentError(f"Google says {where} does not exist or is not shared with docketd "
                                  f"({short_reason(exc)}); check spreadsheet_id and share the sheet with the "
                                  "service account's e-mail (Editor, for the status column).")
        if status == 400:
            return PermanentError(f"Google refused the range of {where} ({short_reason(exc)}); check `range` "
                                  "(the tab name, e.g. \"Intake\").")
        return PermanentError(f"Google rejected the request for {where} ({short_reason(exc)}).")
    return TransientError(f"Unexpected failure talking to Google for {where}: {exc!r}; will retry.")


class SheetsClient:
    """One spreadsheet tab: read its values, read its Drive version, write one column of cells."""

    def __init__(self, name: str, keeper: TokenKeeper, user: str, spreadsheet_id: str, range_: str, *,
                 api_endpoint: str = "", drive_endpoint: str = "", timeout_seconds: float = 10.0,
                 retry_budget_seconds: float = 10.0, retry_base_seconds: float = 0.5,
                 requests_per_minute: int = 60) -> None:
        self.name = name
        self.spreadsheet_id = spreadsheet_id
        self.range = range_
        self.retry_budget = retry_budget_seconds
        self._keeper = keeper
        http = google_auth_httplib2.AuthorizedHttp(keeper.creds, http=httplib2.Http(timeout=timeout_seconds))
        sheets_options = {"api_endpoint": api_endpoint} if api_endpoint else None
        drive_base = drive_endpoint or (api_endpoint.rstrip("/") + "/drive/v3/" if api_endpoint else "")
        drive_options = {"api_endpoint": drive_base} if drive_base else None
        self._sheets = build("sheets", "v4", http=http, static_discovery=True, client_options=sheets_options,
                             cache_discovery=False)
        self._drive = build("drive", "v3", http=http, static_discovery=True, client_options=drive_options,
                            cache_discovery=False)
        # Sheets allows 60 read and 60 write requests per minute per user (developers.google.com/sheets/api/limits).
        self._caller = Caller(shared_throttle(f"sheets:{user}", requests_per_minute), base_delay=retry_base_seconds)

    @classmethod
    def from_config(cls, name: str, section: dict[str, Any], ctx: ConnectorContext) -> SheetsClient:
        """Build from a [sources.NAME] kind = "google-sheet" section (keys in docs/sheets.md)."""
        spreadsheet_id = str(section.get("spreadsheet_id") or "")
        if not spreadsheet_id:
            raise PermanentError(f"[sources.{name}] needs `spreadsheet_id` (the long id in the sheet's URL).")
        keeper, user = load_credentials(name, section, ctx)
        return cls(name, keeper, user, spreadsheet_id, str(section.get("range") or "Intake"),
                   api_endpoint=str(section.get("api_endpoint") or ""),
                   drive_endpoint=str(section.get("drive_endpoint") or ""),
                   timeout_seconds=float(section.get("timeout_seconds", 10)),
                   retry_budget_seconds=float(section.get("retry_budget_seconds", 10)),
                   retry_base_seconds=float(section.get("retry_base_seconds", 0.5)),
                   requests_per_minute=int(section.get("requests_per_minute", 60)))

    @property
    def where(self) -> str:
        """How errors name this source."""
        return f"intake sheet {self.name} ({self.spreadsheet_id}, {self.range})"

    def _call(self, make: Callable[[], HttpRequest]) -> Any:
        try:
            return self._caller.call(make, time.monotonic() + self.retry_budget)
        except Exception as exc:  # noqa: BLE001 - every failure is classified into a ConnectorError
            raise translate(exc, self.where) from exc
        finally:
            self._keeper.persist_if_refreshed()

    def version(self) -> str:
        """The spreadsheet's Drive version: it changes whenever any cell (or the file) changes."""
        answer = self._call(lambda: self._drive.files().get(fileId=self.spreadsheet_id, fields="version",
                                                            supportsAllDrives=True))
        return str(answer.get("version", ""))

    def read(self) -> SheetValues:
        """The configured tab or range, one list per row, dates and times as serial numbers."""
        answer = self._call(lambda: self._sheets.spreadsheets().values().get(
            spreadsheetId=self.spreadsheet_id, range=self.range, majorDimension="ROWS",
            valueRenderOption="UNFORMATTED_VALUE", dateTimeRenderOption="SERIAL_NUMBER"))
        tab, first_col, first_row = parse_returned_range(str(answer.get("range", "")))
        rows = [list(r) for r in answer.get("values", [])]
        return SheetValues(tab, first_row, first_col, rows)

    def write_column(self, tab: str, column: int, first_row: int, values: list[str]) -> None:
        """Write `values` down one column from `first_row`: values.update on exactly those cells (RAW)."""
        if not values:
            return
        letter = column_letter(column)
        target = f"{quote_tab(tab)}!{letter}{first_row}:{letter}{first_row + len(values) - 1}"
        body = {"range": target, "majorDimension": "ROWS", "values": [[v] for v in values]}
        try:
            self._call(lambda: self._sheets.spreadsheets().values().update(
                spreadsheetId=self.spreadsheet_id, range=target, valueInputOption="RAW", body=body))
        except PermanentError as exc:
            if isinstance(exc.__cause__, HttpError) and status_of(exc.__cause__) == 403:
                raise PermanentError(f"Google refused to write the status cells {target} of {self.where} "
                                     "(HTTP 403): docketd's account can read the sheet but not edit it, or "
                                     "the column is protected.") from exc
            raise
