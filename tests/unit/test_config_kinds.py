"""Issue 14: every kind of [calendars.NAME] and [sources.NAME] section is checked when the config loads.

Before, a calendar's own keys were read only when the connector was first used, so a typo surfaced as
failing calendar work after the daemon had started (and a CalDAV typo was ignored altogether). Now the
config is refused at load, at start and on SIGHUP alike, with a sentence naming the section, the key
and the fix; the connectors read the same key tables (connectors/keys.py, daemon/settings/kinds.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import ConnectorContext, PermanentError
from connectors.outlook.settings import parse_settings
from daemon.cli.main import main
from daemon.errors import ConfigError
from daemon.settings.config import load_config

BASE = '[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n'
CALDAV = '[calendars.c]\nkind = "caldav"\nurl = "https://dav.firm.com/cal/"\nusername = "pat"\n'
OUTLOOK = '[calendars.o]\nkind = "outlook"\ntenant = "t"\nclient_id = "c"\nmailbox = "pat@firm.com"\n'
GOOGLE = '[calendars.g]\nkind = "google"\n'
ICS = '[calendars.i]\nkind = "ics"\npath = "cal/i.ics"\n'

# (TOML after BASE, text the refusal must contain)
REFUSED = [
    (CALDAV + "retry_second = 5\n", "[calendars.c] unknown key 'retry_second'; did you mean 'retry_seconds'?"),
    (CALDAV + 'timeout_seconds = "30"\n', "[calendars.c] timeout_seconds = '30' must be a number of seconds"),
    (CALDAV + "timeout_seconds = 0\n", "[calendars.c] timeout_seconds = 0 must be a number of seconds above 0"),
    (CALDAV + "retry_seconds = -1\n", "[calendars.c] retry_seconds = -1 must be a number of seconds 0 or more"),
    ('[calendars.c]\nkind = "caldav"\nusername = "pat"\n', "[calendars.c] needs url = the CalDAV calendar"),
    (GOOGLE + 'reminder_method = "sms"\n', "[calendars.g] reminder_method = 'sms' must be \"popup\" or \"email\""),
    (GOOGLE + "calender_id = \"x\"\n", "[calendars.g] unknown key 'calender_id'; did you mean 'calendar_id'?"),
    (GOOGLE + "batch_size = 0\n", "[calendars.g] batch_size = 0 must be a number above 0"),
    ('[calendars.o]\nkind = "outlook"\ntenant = "t"\nmailbox = "pat@firm.com"\n',
     "[calendars.o] client_id is required"),
    (OUTLOOK + 'timezone = "Mars/Base"\n', "[calendars.o] timezone = 'Mars/Base' is not a time zone"),
    (OUTLOOK + "colour = 3\n", "[calendars.o] unknown key 'colour'"),
    ('[calendars.i]\nkind = "ics"\n', '[calendars.i] needs path = "...ics"'),
    (ICS + 'pth = "x"\n', "[calendars.i] unknown key 'pth'"),
    ('[sources.s]\nkind = "excel"\npath = "w.xlsx"\nsheets = "Intake"\n',
     "[sources.s] unknown key 'sheets'; did you mean 'sheet'?"),
    ('[sources.s]\nkind = "xlsx"\npath = "w.xlsx"\n',
     "[sources.s] kind = 'xlsx' must be \"google-sheet\", \"excel\" or \"imap\""),
    ('[sources.m]\nkind = "imap"\nhost = "imap.firm.com"\nusername = "d"\nfoldr = "INBOX"\npassword_file = "pw"\n',
     "[sources.m] unknown key 'foldr'; did you mean 'folder'?"),
]


def _write(tmp_path: Path, extra: str) -> Path:
    p = tmp_path / "docketd.toml"
    p.write_text(BASE + extra, encoding="utf-8")
    return p


@pytest.mark.parametrize(("extra", "needle"), REFUSED, ids=[r[1][:50] for r in REFUSED])
def test_a_mistake_in_a_kinds_keys_is_refused_at_load(tmp_path: Path, extra: str, needle: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, extra)
    with pytest.raises(ConfigError) as info:
        load_config(path, tmp_path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)
    code = main(["--config", str(path), "status"])  # every command loads the config the same way
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err, err


def test_every_kind_with_its_documented_keys_loads(tmp_path: Path) -> None:
    extra = (CALDAV + 'password_file = "pw"\ncalendar = "work"\nverify_tls = false\ntimeout_seconds = 10\n'
             'retry_seconds = 0\non_edit = "keep"\nfreebusy = false\n'
             + OUTLOOK + 'freebusy_url = "https://dav.firm.com/busy/"\nbatch_size = 20\n'
             + GOOGLE + 'calendar_id = "primary"\nreminder_method = "email"\nfreebusy = true\n'
             + ICS + '[sources.s]\nkind = "excel"\npath = "w.xlsx"\nsheet = "Intake"\nsettle_seconds = 2\n'
             + '[sources.m]\nkind = "imap"\nhost = "imap.firm.com"\nusername = "d"\nfolder = "INBOX"\n'
             'password_file = "pw"\n')
    config = load_config(_write(tmp_path, extra), tmp_path)
    assert set(config.calendars) == {"c", "o", "g", "i"} and set(config.sources) == {"s", "m"}


def test_outlook_takes_the_free_busy_keys_the_docs_give_every_calendar(tmp_path: Path) -> None:
    # docs/flags.md: `freebusy = false` turns the look-up off for any calendar; the Outlook connector
    # refused the section for it ("unknown key"), so that calendar's work failed.
    section = {"kind": "outlook", "tenant": "t", "client_id": "c", "mailbox": "pat@firm.com",
               "freebusy": False, "freebusy_url": "https://dav.firm.com/busy/"}
    settings = parse_settings("o", section, ConnectorContext(str(tmp_path)))
    assert settings.mailbox == "pat@firm.com"
    with pytest.raises(PermanentError, match="unknown key 'colour'"):
        parse_settings("o", {**section, "colour": 3}, ConnectorContext(str(tmp_path)))
