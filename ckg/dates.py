"""Dates as the sources write them, and the instants the version history compares.

Guideline metadata gives release dates loosely ("2013 Sep", "2006 Apr 3 (revised 2013 Mar 18)",
"2013"); the version history stores ISO-8601 UTC instants, which compare correctly as strings.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from ckg.errors import InputError

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_LAST = "9999-12-31T23:59:59+00:00"
_LOOSE_DATE = re.compile(r"\b((?:19|20)\d\d)(?:[ -]([A-Za-z]{3})[a-z]*\.?(?:[ -](\d{1,2}))?)?\b")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def release_date(text: str | None) -> str | None:
    """The latest date a release field names (a revision date beats the original one), as an
    ISO instant at the start of that day; a missing month or day counts as the first."""
    found = []
    for year, month, day in _LOOSE_DATE.findall(text or ""):
        m = _MONTHS.get(month[:3].lower(), 1) if month else 1
        try:
            found.append(date(int(year), m, int(day) if day else 1))
        except ValueError:  # "2013 Feb 30": the month is still right
            found.append(date(int(year), m, 1))
    return _instant(max(found)) if found else None


def as_of_instant(text: str) -> str:
    """A date (the end of that day: what was current on it) or an ISO date-time, as a UTC instant."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return _instant(day + timedelta(days=1)) if day < date.max else _LAST
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"as of {text!r}: expected a date (YYYY-MM-DD) or an ISO date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    except OverflowError:  # an offset that moves year 1 or year 9999 out of range: the range's end
        return _LAST if moment.year > 1 else _instant(date.min)


def _instant(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat(timespec="seconds")
