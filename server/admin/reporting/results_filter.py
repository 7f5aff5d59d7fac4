"""What a results view is narrowed to: a range of whole days (UTC) and a segment, one context field or trait.

Days are whole UTC days so a range lines up with the results rollup's rows (minutes, hours or days), which is
why a date range alone still reads the rollup; a segment is read from each decision's logged context, so it
reads the raw log.
"""

from __future__ import annotations

import datetime as dt
import re

from msgspec import Struct

from server.errors import BadRequest

DAY_MS = 86_400_000
FOREVER_MS = 2**62
TRAIT_PREFIX = "trait."  # traits are logged in the context as trait_<name> (server/decide/service.py)
_FIELD = re.compile(r"[^\x00-\x1f\x7f]{1,64}")


class Segment(Struct, frozen=True):
    field: str  # as the admin wrote it: "device", "trait.plan"
    value: str

    @property
    def logged_key(self) -> str:
        """The key in the decision's logged context JSON."""
        if self.field.startswith(TRAIT_PREFIX):
            return "trait_" + self.field[len(TRAIT_PREFIX):]
        return self.field

    @property
    def json_pointer(self) -> str:
        # RFC 6901: a pointer, not a JSONPath, so no key (a dot, a quote) can change the path's meaning
        return "/" + self.logged_key.replace("~", "~0").replace("/", "~1")

    def __str__(self) -> str:
        return f"{self.field}={self.value}"


class ResultsFilter(Struct, frozen=True):
    first_day: dt.date | None = None
    last_day: dt.date | None = None  # inclusive
    segment: Segment | None = None

    @property
    def start_ms(self) -> int:
        return _ms(self.first_day) if self.first_day else 0

    @property
    def end_ms(self) -> int:
        return _ms(self.last_day) + DAY_MS if self.last_day else FOREVER_MS

    @property
    def is_empty(self) -> bool:
        return self.first_day is None and self.last_day is None and self.segment is None

    def query(self) -> dict[str, str]:
        """As query parameters, for links (CSV export) and the form."""
        return {"from": self.first_day.isoformat() if self.first_day else "",
                "to": self.last_day.isoformat() if self.last_day else "",
                "segment": str(self.segment) if self.segment else ""}


def parse_filter(*, first: str | None = None, last: str | None = None, segment: str | None = None) -> ResultsFilter:
    """From the query string; raises BadRequest (a 400) naming the parameter that is wrong."""
    first_day, last_day = _day("from", first), _day("to", last)
    if first_day and last_day and first_day > last_day:
        raise BadRequest(f"from: {first_day} is after to ({last_day})")
    return ResultsFilter(first_day=first_day, last_day=last_day, segment=_segment(segment))


def days_back(today: dt.date, first: int, last: int) -> ResultsFilter:
    """Days counted back from today: days_back(today, 6, 0) is the last 7 days, today included."""
    return ResultsFilter(first_day=today - dt.timedelta(days=first), last_day=today - dt.timedelta(days=last))


def _day(name: str, text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name}: {text[:40]!r} is not a date (YYYY-MM-DD)") from None
    if day.year < 1970:
        raise BadRequest(f"{name}: {text} is before 1970")
    return day


def _segment(text: str | None) -> Segment | None:
    if not text or not text.strip():
        return None
    field, equals, value = text.partition("=")
    field, value = field.strip(), value.strip()
    if not equals or not field:
        raise BadRequest(f"segment: {text[:80]!r} is not field=value (for example device=mobile or trait.plan=pro)")
    if not _FIELD.fullmatch(field):
        raise BadRequest("segment: the field name must be 1 to 64 printable characters")
    if len(value) > 256:
        raise BadRequest("segment: the value is longer than 256 characters")
    return Segment(field=field, value=value)


def _ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)
