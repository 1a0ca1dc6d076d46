"""PURE: the HTML agenda — open flags, a month grid, the next weeks as a list, and one section per matter.

Static HTML with inline CSS and no scripts: it opens from a file (`docketd agenda --html FILE`)
as well as from the daemon's loopback /agenda. Every value is escaped.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from daemon.agenda import SEVERITY_RANK, Agenda, AgendaItem, person_flags, upcoming, who_label
from daemon.flag_store import FlagRow, group_flags
from daemon.matter_view import MatterPicture, push_line

CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
h1{margin:0 0 .2rem}.sub{color:#666;margin:0 0 1rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .4rem;vertical-align:top}
table.month{width:100%;table-layout:fixed;margin-bottom:1rem}table.month td{height:5.5rem;font-size:.8rem}
td.other{background:#f6f6f6;color:#aaa}td.today{outline:3px solid #2a6ed8}
.dn{font-weight:bold}
span.item{display:block;margin:.1rem 0;padding:.05rem .2rem;border-radius:3px;background:#eef3fb}
.task,span.task{background:#f1f1f1;font-style:italic}tr.past{color:#777}
.flag-critical{background:#fbd9d7;border-left:4px solid #c0281c}
.flag-warning{background:#fff1c9;border-left:4px solid #d49b00}
.flag-info{border-left:4px solid #6b8fbf}
ul.flags li{margin:.3rem 0;padding:.3rem .5rem;list-style:none}ul.flags{padding:0}
table.list{width:100%}.action{color:#444;font-size:.9em}
section.matter{border-top:2px solid #ddd;margin-top:1.5rem}pre{white-space:pre-wrap;margin:.2rem 0;color:#444}
"""


def _flag_li(f: FlagRow, ids: Sequence[int] = ()) -> str:
    ids = list(ids) or [f.id]
    return (f'<li class="flag flag-{escape(f.severity)}" data-flag-id="{f.id}" data-kind="{escape(f.kind)}">'
            f"<b>{' '.join(f'#{i}' for i in ids)} {escape(f.severity)}</b>: {escape(f.message)}"
            + (f' <span class="action">Action: {escape(f.action)}</span>' if f.action else "") + "</li>")


def _item_class(i: AgendaItem) -> str:
    cls = ["item"] + (["task"] if i.deadline.kind != "deadline" else [])
    if i.worst:
        cls += ["flagged", f"flag-{i.worst}"]
    return " ".join(cls)


def month_grid(items: Sequence[AgendaItem], year: int, month: int, today: date) -> str:
    """One month as a table, weeks starting Monday; each day lists what is due, flagged items highlighted."""
    by_day: dict[date, list[AgendaItem]] = {}
    for i in items:
        by_day.setdefault(i.deadline.due, []).append(i)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    head = "".join(f"<th>{n}</th>" for n in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    rows = []
    for week in weeks:
        cells = []
        for day in week:
            cls = ["other"] if day.month != month else []
            if day == today:
                cls.append("today")
            entries = "".join(
                f'<span class="{_item_class(i)}" data-key="{escape(i.deadline.key)}" '
                f'title="{escape(i.deadline.title)}">{escape(i.deadline.matter)} '
                f"{escape(i.deadline.title)}</span>"
                for i in sorted(by_day.get(day, []), key=lambda i: (i.deadline.kind, i.deadline.key)))
            cells.append(f'<td class="{" ".join(cls)}" data-date="{day.isoformat()}">'
                         f'<span class="dn">{day.day}</span>{entries}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    label = date(year, month, 1).strftime("%B %Y")
    return (f'<table class="month" data-month="{year:04d}-{month:02d}"><caption><h3>{label}</h3></caption>'
            f"<tr>{head}</tr>{''.join(rows)}</table>")


def list_table(items: Sequence[AgendaItem], today: date, names: dict[str, str]) -> str:
    """The next weeks as a list: due, matter, what, rule, who and its flags."""
    if not items:
        return '<p class="empty">Nothing due in this period.</p>'
    rows = []
    for i in items:
        d = i.deadline
        flags = "".join(f'<div class="flag flag-{escape(f.severity)}">#{f.id} {escape(f.message)}</div>'
                        for f in i.flags)
        rows.append(
            f'<tr class="{_item_class(i)}" data-key="{escape(d.key)}"><td>{d.due.isoformat()} {d.due:%a}'
            + (f" {d.time:%H:%M}" if d.time else "") + f"</td>"
            f'<td><a href="#matter-{escape(d.matter)}">{escape(d.matter)}</a></td>'
            f"<td>{'Task: ' if d.kind != 'deadline' else ''}{escape(d.title)}</td>"
            f"<td>{escape(d.label) if d.kind == 'deadline' else ''}</td>"
            f"<td>{escape(who_label(i.people, names))}</td><td>{flags}</td></tr>")
    return ('<table class="list"><tr><th>Due</th><th>Matter</th><th>What</th><th>Rule</th><th>Who</th>'
            f"<th>Flags</th></tr>{''.join(rows)}</table>")


def matter_section(pic: MatterPicture, today: date) -> str:
    """One matter's whole picture as an HTML section (anchor #matter-<number>)."""
    f = pic.facts
    title = f" — {escape(f.title)}" if f and f.title else ""
    out = [f'<section class="matter" id="matter-{escape(pic.matter)}">'
           f"<h3>Matter {escape(pic.matter)}{title}</h3>"]
    if f is not None:
        out.append(f"<p>Court: {escape(f.court or '(none)')} · Status: {escape(f.status)} · Attorneys: "
                   f"{escape(', '.join(f.attorneys) or '(none)')} · Paralegals: "
                   f"{escape(', '.join(f.paralegals) or '(none)')}</p>")
    out.append("<h4>Triggers</h4><ul>")
    for t in pic.triggers:
        out.append(f"<li>{escape(t.date)} {escape(t.event)}"
                   + (f" ({escape(t.service)})" if t.service else "")
                   + (f", ref {escape(t.ref)}" if t.ref else "")
                   + f" — from {escape(t.source or '?')} row {t.row}</li>")
    out.append("</ul>")
    keys = {d.key for d in pic.deadlines}
    wide = [fl for fl in pic.flags if fl.scope not in keys]
    if wide:
        items = "".join(_flag_li(fl, ids) for fl, ids in group_flags(wide))
        out.append(f'<ul class="flags">{items}</ul>')
    out.append('<table class="list"><tr><th>Due</th><th>What</th><th>How it was computed</th>'
               "<th>Flags</th><th>Pushed to</th></tr>")
    for d in pic.deadlines:
        flags = pic.flags_for(d.key)
        sev = min((fl.severity for fl in flags), key=lambda s: SEVERITY_RANK.get(s, 3), default="")
        cls = ("past " if d.due < today else "") + ("task " if d.kind != "deadline" else "") \
            + (f"flagged flag-{sev}" if sev else "")
        what = ("Task: " if d.kind != "deadline" else "") + escape(d.title)
        if d.kind == "deadline":
            what += f"<br><small>{escape(d.citation)}</small>"
        flag_divs = "".join(f'<div class="flag flag-{escape(fl.severity)}">#{fl.id} '
                            f"{escape(fl.message)}</div>"
                            for fl in flags)
        steps = escape("\n".join(d.explanation))
        out.append(
            f'<tr class="{cls.strip()}" data-key="{escape(d.key)}"><td>{d.due.isoformat()} {d.due:%a}</td>'
            f"<td>{what}</td><td><pre>{steps}</pre></td><td>{flag_divs}</td>"
            f"<td>{escape(push_line(pic.pushes.get(d.key, [])))}</td></tr>")
    out.append("</table></section>")
    return "".join(out)


def agenda_html(agenda: Agenda, today: date, *, days: int = 14, person: str | None = None,
                pictures: Sequence[MatterPicture] = (), generated: str = "") -> str:
    """The whole agenda page."""
    soon = upcoming(agenda, today, days, person)
    months = [(today.year, today.month)]
    end = today + timedelta(days=days)
    if (end.year, end.month) != months[0]:
        months.append((end.year, end.month))
    who = f" for {escape(person)}" if person else ""
    mine = [i for i in agenda.items if person is None or person.lower() in i.people]
    flags = agenda.flags if person is None else person_flags(agenda, person.lower())
    # Only the matters this page shows something of get their full section (a firm has many matters).
    shown = {i.deadline.matter for i in soon} | {f.matter for f in flags if f.matter} | {
        i.deadline.matter for i in mine if (i.deadline.due.year, i.deadline.due.month) in months}
    pictures = [p for p in pictures if p.matter in shown]
    counts = ", ".join(f"{n} {sev}" for sev in ("critical", "warning", "info")
                       if (n := sum(1 for f in flags if f.severity == sev)))
    generated_at = f"; generated {escape(generated)}" if generated else ""
    flag_list = ('<ul class="flags">' + "".join(_flag_li(f, ids) for f, ids in group_flags(flags)) + "</ul>"
                 if flags else '<p class="empty">No open flags.</p>')
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>docketd agenda{who}</title><style>{CSS}</style></head><body>",
        f"<h1>Docket agenda{who}</h1>",
        f'<p class="sub">As of {today.isoformat()} ({today:%A}){generated_at}. '
        f'<a href="#flags">Open flags: {len(flags)}</a>' + (f" ({counts})" if counts else "") + "</p>",
        f'<h2 id="next">Next {days} days ({len(soon)})</h2>',
        list_table(soon, today, agenda.people_names),
        '<h2 id="month">Month</h2>',
        *(month_grid(mine, y, m, today) for y, m in months),
        f'<h2 id="flags">Open flags ({len(flags)})</h2>',
        flag_list,
    ]
    if pictures:
        parts.append(f'<h2 id="matters">Matters on this page ({len(pictures)})</h2>')
        parts += [matter_section(p, today) for p in pictures]
    parts.append("</body></html>")
    return "\n".join(parts)
