"""``flask events escalate [--now ISO]``: escalate overdue events (run it from cron);
``flask events calendar [YEAR] [--check] [--district CODE]``: the working calendar deadlines are counted on
(a district's: the deployment's with its own hours and days)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask_babel import gettext as _

from app.cli import CommandGroup
from app.districts import settings as district_settings
from app.events import deadlines, holidays
from app.events.escalation import escalate_overdue
from app.beijing import BEIJING

events_cli = CommandGroup("events", help="The event closed loop: deadlines and escalation.")


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(_("give a date and time like 2026-11-23T17:30:00+08:00."), param_hint="--now")
    # A time without a zone is Beijing time, as everywhere in GridMap.
    return when if when.tzinfo else when.replace(tzinfo=BEIJING)


def _district(value: str | None) -> str | None:
    if value and value not in district_settings.documents():
        raise click.BadParameter(_("no district %(code)s in this deployment (flask districts list).", code=value),
                                 param_hint="--district")
    return value or None


@events_cli.command("escalate")
@click.option("--now", "now_text", default=None, metavar="ISO",
              help="Judge deadlines at this time instead of the current time (for replays and tests).")
@click.option("--district", "district", default=None, metavar="CODE",
              help="Only this district's events (default: every district's).")
def escalate_command(now_text, district):
    """Escalate every event whose handling deadline has passed one level up the chain."""
    result = escalate_overdue(_parse_now(now_text), district_code=_district(district))
    click.echo(_("%(n)s overdue events escalated; %(top)s overdue at the top level (department) stay there.",
                 n=len(result.escalated), top=len(result.at_top)))
    for item in result.escalated:
        click.echo("  " + _("%(ticket)s: %(from_level)s → %(level)s", ticket=item["ticket"],
                            from_level=item["from_level"], level=item["level"]))


def _spans(days) -> list[str]:
    """Consecutive days as 'first – last' spans, in order."""
    spans: list[list[date]] = []
    for day in sorted(days):
        if spans and day - spans[-1][1] == timedelta(days=1):
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [a.isoformat() if a == b else f"{a.isoformat()} – {b.isoformat()}" for a, b in spans]


@events_cli.command("calendar")
@click.argument("year", type=int, required=False)
@click.option("--check", is_flag=True,
              help="Exit with status 1 when this year, or from December next year, has no holiday data (for cron).")
@click.option("--district", "district", default=None, metavar="CODE",
              help="The calendar of this district's events: the deployment's with the district's own hours and "
                   "days (flask districts set).")
def calendar_command(year, check, district):
    """Show the working calendar deadlines are counted on: the years with holidays, or one year's days."""
    district = _district(district)
    calendar = holidays.for_district(district)
    local = district_settings.calendar_settings(district)
    if district:
        click.echo(_("District %(code)s: %(which)s.", code=district,
                     which=_("its own working hours and days on top of the deployment's calendar") if local else
                     _("the deployment's calendar")))
    periods = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in calendar.periods)
    click.echo(_("Working hours: %(periods)s on working days.", periods=periods))
    for season in calendar.seasons:
        click.echo(_("From %(first)s to %(last)s every year: %(periods)s.", first="%02d-%02d" % season.first,
                     last="%02d-%02d" % season.last,
                     periods=", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in season.periods)))
    if local is not None:
        click.echo(_("District's own days off: %(days)s", days="; ".join(_spans(local.days_off)) or "-"))
        click.echo(_("District's own working days: %(days)s", days="; ".join(_spans(local.workdays)) or "-"))
    built_in = f"chinesecalendar {holidays.package_version()}"
    loaded = [f"{y} ({built_in if holidays.is_built_in(calendar, y) else 'GRIDMAP_HOLIDAYS_FILE'})"
              for y in calendar.years]
    click.echo(_("Years with holidays and adjusted working days: %(years)s", years=", ".join(loaded) or "-"))
    if year is not None:
        data = calendar.year_data(year)
        if data is None:
            click.echo(_("%(year)s: no data; deadlines count Monday to Friday only.", year=year))
        else:
            click.echo(_("%(year)s holidays: %(days)s", year=year, days="; ".join(_spans(data.holidays)) or "-"))
            click.echo(_("%(year)s adjusted working days: %(days)s", year=year,
                         days="; ".join(_spans(data.workdays)) or "-"))
    missing = holidays.missing_years(calendar, deadlines.now().astimezone(BEIJING).date())
    for y in missing:
        click.echo(_("Warning: no holiday arrangement for %(year)s is loaded, so its deadlines count Monday to "
                     "Friday only. Upgrade the chinesecalendar package once a release has it, or add it to the "
                     "file of GRIDMAP_HOLIDAYS_FILE (docs/deployment.md).", year=y),
                   err=True)
    if check and missing:
        raise SystemExit(1)
