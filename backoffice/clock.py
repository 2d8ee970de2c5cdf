"""The app's notion of "now": one time zone, and one place where tests set the time."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_tz = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def configure(timezone_name: str) -> None:
    """Set the time zone in which users read and enter times."""
    global _tz
    _tz = ZoneInfo(timezone_name)


def local_tz() -> ZoneInfo:
    return _tz


def now() -> datetime:
    """The current time, aware, in the app's time zone."""
    if _frozen is not None:
        return _frozen.astimezone(_tz)
    return datetime.now(_tz)


def today() -> date:
    return now().date()


def aware(moment: datetime) -> datetime:
    """`moment` with its time zone (naive means local, as typed into a form)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=_tz)


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """The moments from the start of `first` to the end of `last`, local days: compare
    a time column with >= and < these (an index range, whatever zone it is stored in)."""
    return (datetime.combine(first, time.min, _tz),
            datetime.combine(last + timedelta(days=1), time.min, _tz))


def local_date(moment: datetime) -> date:
    """The day `moment` falls on here (naive means it is local already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(_tz)
    return moment.date()


def freeze(moment: datetime | None) -> None:
    """Fix the clock at `moment` (naive means local time); None lets it run again."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=_tz)
    _frozen = moment
