"""The domain's rules: deadlines, periods and input checks (DOMAIN.md), as pure functions.

The normalizers return the value as it is stored, or raise ValueError whose message is
the reason, ready to show beside the field. Messages are English msgids: translated
when called in a request, left in English outside an app (tests, scripts).
"""
import calendar
import re
import unicodedata
from datetime import date, time, timedelta

from flask_babel import gettext as _

# ---------------------------------------------------------------- deadlines and periods

# Every period is a setting an administrator can change (settings.py); these are the
# values DOMAIN.md gives. The functions take the settings as a mapping, or use these.
DEFAULTS = {
    "archive_days": 2,
    "first_call_from_days": 3,
    "first_call_to_days": 7,
    "second_call_from_days": 7,
    "second_call_to_days": 14,
    "escalation_days": 2,
    "event_notice_days": 14,
    "letter_days": 2,
    "call_attempts": 3,
    # Not in the policy texts: how long a complaint may stay open, by its risk level.
    "complaint_days_high": 1,
    "complaint_days_medium": 3,
    "complaint_days_low": 7,
    # 机动车维修质量保证期 (DOMAIN.md "Handover"): the legal minimum; a shop may promise more.
    "guarantee_assembly_days": 100,
    "guarantee_assembly_km": 20000,
    "guarantee_level2_days": 30,
    "guarantee_level2_km": 5000,
    "guarantee_minor_days": 10,
    "guarantee_minor_km": 2000,
    # Safety: days to rectify a hazard, by its level (DOMAIN.md "Safety").
    "hazard_days_major": 3,
    "hazard_days_general": 15,
    # Training (DOMAIN.md "Training").
    "onboarding_days": 30,
    "safety_training_months": 12,
    # Appointments (预约): each advisor's working day in slots. Not in the policy texts:
    # a dealer's usual day, one car per advisor and slot.
    "opening_hour": 8,
    "closing_hour": 18,
    "slot_minutes": 30,
    "appointments_per_slot": 1,
    "appointments_per_day": 12,
    "confirmation_days": 1,  # the confirmation call, this many days before
    "no_show_call_days": 1,  # a no-show is phoned within this many days
}
GUARANTEE_KINDS = ("assembly", "level2", "minor")
ARCHIVE_DAYS = DEFAULTS["archive_days"]


def setting(settings, key: str) -> int:
    """One setting from `settings` (a mapping, or None for the defaults)."""
    return (settings or {}).get(key, DEFAULTS[key])


def archive_due(visited_on: date, settings=None, *, days: int | None = None) -> date:
    """The last day to build the customer archive of a visit (DOMAIN.md: within 2 days)."""
    if days is None:
        days = setting(settings, "archive_days")
    return visited_on + timedelta(days=days)


def first_call_window(completed_on: date, settings=None) -> tuple[date, date]:
    """The first follow-up call: day 3 to day 7 after the car was picked up or the
    visit ended (DOMAIN.md "Follow-up calls")."""
    return (
        completed_on + timedelta(days=setting(settings, "first_call_from_days")),
        completed_on + timedelta(days=setting(settings, "first_call_to_days")),
    )


def second_call_window(first_called_on: date, settings=None) -> tuple[date, date]:
    """The second call: within the 7 days after the point one week past the first call."""
    return (
        first_called_on + timedelta(days=setting(settings, "second_call_from_days")),
        first_called_on + timedelta(days=setting(settings, "second_call_to_days")),
    )


def escalation_due(opened_on: date, settings=None) -> date:
    """A request still open this day is reported to the supervisor (within 2 days)."""
    return opened_on + timedelta(days=setting(settings, "escalation_days"))


def event_notice_due(event_on: date, settings=None) -> date:
    """Customers are told of an event by phone 2 weeks before it."""
    return event_on - timedelta(days=setting(settings, "event_notice_days"))


def letter_due(notice_called_on: date, settings=None) -> date:
    """The event's letter follows the notice call within 2 days."""
    return notice_called_on + timedelta(days=setting(settings, "letter_days"))


def quality_guarantee(
    work_kind: str, completed_on: date, mileage: int, settings=None
) -> tuple[date, int]:
    """The repair quality guarantee: the last day and the odometer reading up to which it
    holds, whichever comes first, counted from the completion date (a re-repair starts
    a new period). Kinds: "assembly" (整车或总成修理, 100 days or 20,000 km), "level2"
    (二级维护, 30 days or 5,000 km), "minor" (一级维护、小修、专项修理, 10 days or 2,000
    km). The settings may promise more, never less than these.
    """
    if work_kind not in GUARANTEE_KINDS:
        raise ValueError(f"unknown work kind {work_kind!r}")
    days = max(setting(settings, f"guarantee_{work_kind}_days"),
               DEFAULTS[f"guarantee_{work_kind}_days"])
    km = max(setting(settings, f"guarantee_{work_kind}_km"), DEFAULTS[f"guarantee_{work_kind}_km"])
    return completed_on + timedelta(days=days), mileage + km


def hazard_deadline(found_on: date, level: str, settings=None) -> date:
    """The day a hazard (major or general) must be rectified by."""
    return found_on + timedelta(days=setting(settings, f"hazard_days_{level}"))


def next_inspection_due(schedule: str, last_on: date | None, today: date) -> date:
    """When an area's inspection against a template is next due: the day after (daily),
    a week after (weekly) or a calendar month after (monthly) the last one; today when
    there was none."""
    if last_on is None:
        return today
    if schedule == "daily":
        return last_on + timedelta(days=1)
    if schedule == "weekly":
        return last_on + timedelta(days=7)
    if schedule == "monthly":
        return add_months(last_on, 1)
    raise ValueError(f"unknown schedule {schedule!r}")


def certificate_dates(
    kind: str, issued_on: date, reviewed_on: date | None = None
) -> tuple[date | None, date | None]:
    """(review due, valid until) of a certificate. A special operations certificate
    (特种作业操作证) is valid 6 years and reviewed every 3: the review is due 3 years
    after issue, or 3 years after the last review, never after the certificate ends.
    Other kinds have no fixed dates (None, None)."""
    if kind != "special_operations":
        return None, None
    valid_until = add_months(issued_on, 72)
    review_due = add_months(reviewed_on or issued_on, 36)
    return min(review_due, valid_until), valid_until


REMINDER_STAGES = (7, 30, 60, 90)


def reminder_stage(due_on: date, today: date) -> int | None:
    """How urgent a date is: the tightest of 90, 60, 30 and 7 days that the days left
    fall within, 0 once the day has passed, None while more than 90 days are left."""
    left = (due_on - today).days
    if left < 0:
        return 0
    return next((stage for stage in REMINDER_STAGES if left <= stage), None)


def day_slots(settings=None) -> list[time]:
    """The start of each appointment slot of a day: from opening, one slot length apart,
    the last ending by closing time."""
    length = setting(settings, "slot_minutes")
    first = setting(settings, "opening_hour") * 60
    last = setting(settings, "closing_hour") * 60 - length
    return [time(minute // 60, minute % 60) for minute in range(first, last + 1, length)]


def confirmation_due(day: date, booked_on: date, settings=None) -> date | None:
    """The day of the confirmation call for an appointment on `day`: the day before.
    None when it was booked that late or later: the booking itself confirms it."""
    due = day - timedelta(days=setting(settings, "confirmation_days"))
    return due if booked_on < due else None


def no_show_call_window(marked_on: date, settings=None) -> tuple[date, date]:
    """A missed appointment is phoned about from the day it was marked, within a day."""
    return marked_on, marked_on + timedelta(days=setting(settings, "no_show_call_days"))


def complaint_due(opened_on: date, severity: str, settings=None) -> date:
    """The day a complaint of this risk level (high, medium, low) should be closed by."""
    return opened_on + timedelta(days=setting(settings, f"complaint_days_{severity}"))


def add_months(day: date, months: int) -> date:
    """`day` moved by calendar months, kept within the month: Jan 31 + 1 month = Feb 28/29."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def next_maintenance_due(
    done_on: date, mileage: int | None, months: int | None, km: int | None
) -> tuple[date | None, int | None]:
    """The next maintenance (date, mileage) after one done on `done_on` at `mileage`.

    Either is None when it cannot be computed: no interval of that kind (None or not
    positive, as a blank form field may arrive), or no mileage recorded.
    """
    next_date = add_months(done_on, months) if months and months > 0 else None
    next_km = mileage + km if mileage is not None and km and km > 0 else None
    return next_date, next_km


def mileage_problem(new: int | None, last: int | None, reason: str | None) -> str | None:
    """Why a mileage reading cannot be accepted as it is, or None when it can.

    Odometers only go up, so a reading below the last one is a typo or a replaced
    meter: it is accepted only with a reason, which is then kept with it.
    """
    if new is None:
        return None
    if new < 0:
        return _("Mileage cannot be negative.")
    if last is not None and new < last and not (reason and reason.strip()):
        return _(
            "The mileage is lower than the last recorded %(last)d km: "
            "give a reason for the correction.",
            last=last,
        )
    return None


# ---------------------------------------------------------------- shared text clean-up

# What people type between groups of characters; NFKC has already turned the full-width
# forms (U+3000 space, － dash, ．dot) into these.
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DOTS = ".\u00b7\u2022\u2027\u2219\u30fb"
_SPACES_AND_DASHES = re.compile(f"[\\s{_DASHES}]+")
_PLATE_SEPARATORS = re.compile(f"[\\s{_DASHES}{_DOTS}]+")


def _nfkc(s: str | None) -> str:
    # NFKC turns full-width letters and digits (from Chinese input methods) into ASCII.
    return unicodedata.normalize("NFKC", s or "")


# ---------------------------------------------------------------- phone numbers

_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def is_valid_mobile(s: str) -> bool:
    """Whether `s` is exactly a mainland mobile number: 11 digits starting 13 to 19."""
    return bool(_MOBILE.fullmatch((s or "").strip()))


def normalize_mobile(s: str) -> str:
    """The 11 digits of a mobile number typed with spaces, dashes, +86 or full-width digits."""
    text = _SPACES_AND_DASHES.sub("", _nfkc(s))
    if not text:
        raise ValueError(_("Enter the mobile number."))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text.removeprefix(prefix)
            break
    else:
        # A bare 86 only when 13 digits remain: 86 can never start a mobile number itself.
        if len(text) == 13 and text.startswith("86"):
            text = text[2:]
    if not (text.isascii() and text.isdigit()):
        raise ValueError(_("A mobile number has only digits."))
    if len(text) != 11:
        raise ValueError(_("A mobile number has 11 digits; this has %(n)d.", n=len(text)))
    if not _MOBILE.fullmatch(text):
        raise ValueError(_("A mobile number starts with 13 to 19."))
    return text


# Area codes: 010 and 02x have three digits, all others four (03xx to 09xx), which is
# what lets "075588886666" be read without a separator.
_AREA = r"010|02[0-9]|0[3-9][0-9]{2}"
_LANDLINE = re.compile(
    rf"""
    (?: \(\s*(?P<area_in_parens>{_AREA})\s*\) | (?P<area>{_AREA}) )
    \s*-?\s*
    # 7 or 8 digits, whole or as two groups (888-8666, 8888 6666)
    (?P<number>[0-9]{{7,8}} | [0-9]{{3,4}}[\s-][0-9]{{4}})
    # an extension after a dash, 转, 分机, ext or x, or just a space
    (?: \s*(?:-|转|分机|EXT\.?|X|\#)\s*(?P<ext>[0-9]{{1,6}})
      | \s+(?P<ext_after_space>[0-9]{{1,6}}) )?
    """,
    re.VERBOSE,
)
_SERVICE_NUMBER = re.compile(r"([48]00)([0-9]{3})([0-9]{4})")


def _looks_like_mobile(compact: str) -> bool:
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            return compact.removeprefix(prefix).startswith("1")
    return compact.startswith("1") or (len(compact) == 13 and compact.startswith("861"))


def normalize_phone(s: str) -> str:
    """A mobile (11 digits), a landline ("0755-88886666", "-123" extension) or 400/800 number.

    Raises ValueError with the reason when `s` is none of them.
    """
    text = re.sub(f"[{_DASHES}]", "-", _nfkc(s)).strip().upper()
    if not text:
        raise ValueError(_("Enter the phone number."))
    compact = _SPACES_AND_DASHES.sub("", text)
    if _looks_like_mobile(compact):
        return normalize_mobile(text)  # raises the mobile number's own reason
    if compact.startswith(("400", "800")):
        # Service numbers have no extension, so every separator can simply go.
        match = _SERVICE_NUMBER.fullmatch(compact)
        if match is None:
            raise ValueError(_("A 400 or 800 number has 10 digits, such as 400-820-8820."))
        return "-".join(match.groups())
    match = _LANDLINE.fullmatch(text)
    if match:
        area = match["area"] or match["area_in_parens"]
        number = re.sub(r"[\s-]", "", match["number"])
        ext = match["ext"] or match["ext_after_space"]
        return f"{area}-{number}-{ext}" if ext else f"{area}-{number}"
    if compact.lstrip("(").startswith("0"):
        raise ValueError(
            _("A landline number is its area code (such as 010 or 0755) and 7 or 8 digits.")
        )
    raise ValueError(
        _("Enter a mobile number, or a landline number with its area code such as 0755-88886666.")
    )


# ---------------------------------------------------------------- licence plates

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# I and O are never used: they would be read as 1 and 0.
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PLATE_CHARACTERS = PLATE_LETTERS + "0123456789"
SMALL_NEV_FIRST = "DFABCEGHJK"  # first of the 6 characters of a small new-energy plate
LARGE_NEV_LAST = "DF"  # last of the 6 characters of a large new-energy plate
SERIES_MARKS = "挂学警领试超"  # trailer, driving school, police, consulate, test, oversize
HK_MACAU_MARKS = "港澳"
EMBASSY_MARK = "使"

_EMBASSY = re.compile(f"{EMBASSY_MARK}[0-9]{{6}}|[0-9]{{6}}{EMBASSY_MARK}")


def normalize_plate(s: str) -> str:
    """The plate number as stored ("京A12345"): half-width, upper case, no separators.

    Ordinary, new-energy, series-marked (挂, 学, 警, 领, 试, 超; 粤Z...港/澳) and
    embassy (使) plates are accepted; anything else raises ValueError with the reason.
    """
    plate = _PLATE_SEPARATORS.sub("", _nfkc(s).upper())
    if not plate:
        raise ValueError(_("Enter the plate number."))
    if "I" in plate or "O" in plate:
        raise ValueError(_("The letters I and O are not used on plates."))
    if EMBASSY_MARK in plate:
        if not _EMBASSY.fullmatch(plate):
            raise ValueError(_("An embassy plate is 使 and 6 digits, such as 使014001."))
        return plate
    if plate[0] not in PROVINCES:
        raise ValueError(_("A plate starts with a province abbreviation such as 京 or 粤."))
    if len(plate) < 2 or plate[1] not in PLATE_LETTERS:
        raise ValueError(_("After the province comes a letter (A–Z)."))
    rest = plate[2:]
    marked = bool(rest) and rest[-1] in SERIES_MARKS + HK_MACAU_MARKS
    if marked:
        if rest[-1] in HK_MACAU_MARKS and plate[:2] != "粤Z":
            raise ValueError(_("Only 粤Z plates carry 港 or 澳."))
        rest = rest[:-1]
    if any(char not in PLATE_CHARACTERS for char in rest):
        raise ValueError(
            _("Plates use only letters and digits (and a series mark such as 挂 or 学 at the end).")
        )
    if marked:
        if len(rest) != 4:
            raise ValueError(_("A plate with a series mark such as 挂 has 4 characters before it."))
        return plate
    if len(rest) == 5:
        return plate
    if len(rest) == 6:
        if rest[0] in SMALL_NEV_FIRST or rest[-1] in LARGE_NEV_LAST:
            return plate
        raise ValueError(
            _(
                "With 6 characters, a plate is a new-energy plate: "
                "they start with a letter A–K or end with D or F."
            )
        )
    raise ValueError(
        _("A plate has 5 characters after the province and letter, or 6 for new-energy vehicles.")
    )


# ---------------------------------------------------------------- VIN

VIN_CHARACTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # I, O and Q are never used
# GB 16735 / ISO 3779 transliteration and weights; position 9 holds the check digit.
_VIN_VALUES = {
    **{digit: int(digit) for digit in "0123456789"},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_CHECK_INDEX = 8


def vin_check_digit(vin: str) -> str:
    """The check character ("0"-"9" or "X") for a 17-character VIN; its 9th is ignored."""
    vin = vin.upper()
    if len(vin) != len(_VIN_WEIGHTS):
        raise ValueError(f"vin_check_digit() takes 17 characters, not {len(vin)}")
    total = 0
    for index, (char, weight) in enumerate(zip(vin, _VIN_WEIGHTS, strict=True)):
        if index == _VIN_CHECK_INDEX:
            continue
        if char not in _VIN_VALUES:
            raise ValueError(f"{char!r} is not a VIN character")
        total += _VIN_VALUES[char] * weight
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_vin(s: str) -> str:
    """The VIN as stored: 17 upper-case characters with a matching check digit.

    Raises ValueError with the reason (length, I/O/Q, other characters, check digit).
    """
    vin = _SPACES_AND_DASHES.sub("", _nfkc(s)).upper()
    if not vin:
        raise ValueError(_("Enter the VIN."))
    if any(char in "IOQ" for char in vin):
        raise ValueError(_("VINs never use the letters I, O or Q."))
    if any(char not in VIN_CHARACTERS for char in vin):
        raise ValueError(_("A VIN has only letters and digits."))
    if len(vin) != 17:
        raise ValueError(_("A VIN has 17 characters; this has %(n)d.", n=len(vin)))
    if vin[_VIN_CHECK_INDEX] != vin_check_digit(vin):
        raise ValueError(_("The check digit (9th character) does not match: check for a typo."))
    return vin


def is_valid_vin(s: str) -> bool:
    """Whether `s` is a valid VIN once normalized (see normalize_vin)."""
    try:
        normalize_vin(s)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- part numbers

_PART_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9./\-]{0,39}")


def normalize_part_number(s: str) -> str:
    """A part number as stored ("06L115562B", "04152-YZZA6"): half-width, upper case,
    without spaces (catalogues print them grouped: "06L 115 562 B")."""
    number = re.sub(r"\s+", "", _nfkc(s)).upper()
    if not number:
        raise ValueError(_("Enter the part number."))
    if not _PART_NUMBER.fullmatch(number):
        raise ValueError(_("A part number has up to 40 letters, digits, dots, dashes "
                           "and slashes."))
    return number


def check_labels(labels, codes) -> None:
    """At import: `labels` name every one of `codes` and nothing else (a code without a
    label would show raw on a page). Raises, unlike assert, under python -O too."""
    if set(labels) != set(codes):
        raise RuntimeError(f"labels and codes differ: {sorted(set(labels) ^ set(codes))}")
