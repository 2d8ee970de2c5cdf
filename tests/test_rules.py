"""The domain's rules: the validators property-tested (hypothesis) with generated valid
plates and VINs and their mutations; the 2-day rule at its edges."""
import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.rules import (
    PLATE_CHARACTERS,
    PLATE_LETTERS,
    PROVINCES,
    SERIES_MARKS,
    VIN_CHARACTERS,
    add_months,
    archive_due,
    is_valid_mobile,
    is_valid_vin,
    mileage_problem,
    next_maintenance_due,
    normalize_mobile,
    normalize_phone,
    normalize_plate,
    normalize_vin,
    vin_check_digit,
)

# ---------------------------------------------------------------- deadlines and periods


@pytest.mark.parametrize(
    ("visited_on", "due"),
    [
        (date(2026, 3, 10), date(2026, 3, 12)),
        (date(2026, 1, 30), date(2026, 2, 1)),
        (date(2026, 12, 31), date(2027, 1, 2)),
        (date(2028, 2, 28), date(2028, 3, 1)),
        (date(2026, 2, 28), date(2026, 3, 2)),
    ],
)
def test_archive_due_two_days_after_the_visit(visited_on, due):
    """Is the archive due 2 days after the visit, across month, year and leap-day ends?"""
    assert archive_due(visited_on) == due


def test_archive_due_follows_the_setting():
    """Does a different setting move the deadline?"""
    assert archive_due(date(2026, 3, 10), days=3) == date(2026, 3, 13)
    assert archive_due(date(2026, 3, 10), days=0) == date(2026, 3, 10)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 5, 17), 0, date(2026, 5, 17)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
    ],
)
def test_add_months_keeps_within_the_month(day, months, expected):
    """Does adding months land on the same day, or the month's last day when shorter?"""
    assert add_months(day, months) == expected


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 120))
def test_add_months_moves_by_whole_months(day, months):
    """Is the result always the given number of calendar months later, never past its end?"""
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last_day = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last_day)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((date(2026, 1, 31), 15000, 6, 5000), (date(2026, 7, 31), 20000)),
        ((date(2025, 8, 31), 15000, 6, 5000), (date(2026, 2, 28), 20000)),
        ((date(2026, 1, 31), None, 6, 5000), (date(2026, 7, 31), None)),
        ((date(2026, 1, 31), 15000, None, 5000), (None, 20000)),
        ((date(2026, 1, 31), 15000, 6, None), (date(2026, 7, 31), None)),
        ((date(2026, 1, 31), 0, 12, 10000), (date(2027, 1, 31), 10000)),
        ((date(2026, 1, 31), None, None, None), (None, None)),
        ((date(2026, 1, 31), 15000, 0, 0), (None, None)),
    ],
)
def test_next_maintenance_due(args, expected):
    """Are the next date and mileage computed when they can be, and None otherwise?"""
    assert next_maintenance_due(*args) == expected


@pytest.mark.parametrize(
    ("new", "last", "reason", "problem"),
    [
        (None, 12000, None, None),
        (12000, None, None, None),
        (12000, 12000, None, None),
        (12500, 12000, None, None),
        (0, None, None, None),
        (-1, None, None, "Mileage cannot be negative."),
        (-1, 100, "meter replaced", "Mileage cannot be negative."),
        (
            11000,
            12000,
            None,
            "The mileage is lower than the last recorded 12000 km: "
            "give a reason for the correction.",
        ),
        (
            11000,
            12000,
            "   ",
            "The mileage is lower than the last recorded 12000 km: "
            "give a reason for the correction.",
        ),
        (11000, 12000, "instrument cluster replaced", None),
    ],
)
def test_mileage_problem(new, last, reason, problem):
    """Is a negative or decreasing reading refused, unless a decrease is explained?"""
    assert mileage_problem(new, last, reason) == problem


# ---------------------------------------------------------------- mobile and other phones

mobiles = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=9, max_size=9),
)


@pytest.mark.parametrize("number", ["13800138000", "19912345678", " 15012345678 ", "16600001111"])
def test_valid_mobiles(number):
    """Are 11-digit numbers starting 13 to 19 mobiles?"""
    assert is_valid_mobile(number)
    assert normalize_mobile(number) == number.strip()


@pytest.mark.parametrize(
    "number",
    ["", "1380013800", "138001380000", "12800138000", "10800138000", "23800138000",
     "1380013800a", "138 0013 8000", "+8613800138000", "１３８００１３８０００"],
)
def test_invalid_mobiles(number):
    """Is anything but exactly the 11 digits refused by the strict check?"""
    assert not is_valid_mobile(number)


@pytest.mark.parametrize(
    "typed",
    ["138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+86-13800138000",
     "008613800138000", "86 13800138000", "8613800138000", "１３８００１３８０００",
     "＋８６　１３８－００１３－８０００", " 13800138000\n"],
)
def test_normalize_mobile(typed):
    """Do spaces, dashes, the +86 prefix and full-width digits come off?"""
    assert normalize_mobile(typed) == "13800138000"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Enter the mobile number."),
        ("  ", "Enter the mobile number."),
        ("1380013800a", "A mobile number has only digits."),
        ("138.0013.8000", "A mobile number has only digits."),
        ("1380013800", "A mobile number has 11 digits; this has 10."),
        ("+86 1380013800", "A mobile number has 11 digits; this has 10."),
        ("138001380001", "A mobile number has 11 digits; this has 12."),
        ("12800138000", "A mobile number starts with 13 to 19."),
        ("861380013800", "A mobile number has 11 digits; this has 12."),
    ],
)
def test_normalize_mobile_reasons(typed, reason):
    """Does each fault get its own reason?"""
    with pytest.raises(ValueError) as refused:  # noqa: PT011 (the message is checked below)
        normalize_mobile(typed)
    assert str(refused.value) == reason


@given(mobiles)
def test_generated_mobiles_are_valid(number):
    """Is any 1, 3 to 9 and nine more digits a valid mobile?"""
    assert is_valid_mobile(number)
    assert normalize_mobile(number) == number
    assert normalize_phone(number) == number


@given(mobiles, st.data())
def test_changing_a_mobile_length_invalidates_it(number, data):
    """Does one digit more or fewer make a mobile number invalid?"""
    index = data.draw(st.integers(0, len(number)))
    digit = data.draw(st.sampled_from("0123456789"))
    longer = number[:index] + digit + number[index:]
    shorter = number[: min(index, 10)] + number[min(index, 10) + 1 :]
    for changed in (longer, shorter):
        assert not is_valid_mobile(changed)
        with pytest.raises(ValueError, match="11 digits"):
            normalize_mobile(changed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0755-88886666", "0755-88886666"),
        ("010 12345678", "010-12345678"),
        ("(021)62345678", "021-62345678"),
        ("（０２１）６２３４５６７８", "021-62345678"),
        ("0571-8888666-123", "0571-8888666-123"),
        ("0571-8888666转123", "0571-8888666-123"),
        ("075588886666", "0755-88886666"),
        ("01012345678", "010-12345678"),
        ("0755 8888 6666", "0755-88886666"),
        ("400-820-8820", "400-820-8820"),
        ("4008208820", "400-820-8820"),
        ("800 820 8820", "800-820-8820"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
    ],
)
def test_normalize_phone(typed, stored):
    """Are mobiles, landlines with area codes and 400/800 numbers accepted and tidied?"""
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", "abc", "12345", "88886666", "0755-123456", "0755-123456789", "011-12345678",
     "0755-8888666-", "400-820-882", "1380013800", "+1 212 555 0100", "0755-8888-666"],
)
def test_normalize_phone_refuses_garbage(typed):
    """Is anything that is not a mobile, landline or 400/800 number refused?"""
    with pytest.raises(ValueError):  # noqa: PT011 (the reason is tested elsewhere)
        normalize_phone(typed)


# ---------------------------------------------------------------- licence plates

provinces = st.sampled_from(PROVINCES)
letters = st.sampled_from(PLATE_LETTERS)


def plate_chars(n: int):
    return st.text(PLATE_CHARACTERS, min_size=n, max_size=n)


ordinary_plates = st.builds(lambda *parts: "".join(parts), provinces, letters, plate_chars(5))
small_nev_plates = st.builds(
    lambda *parts: "".join(parts), provinces, letters, st.sampled_from("DFABCEGHJK"),
    plate_chars(5),
)
large_nev_plates = st.builds(
    lambda *parts: "".join(parts), provinces, letters, plate_chars(5), st.sampled_from("DF"),
)
series_plates = st.builds(
    lambda *parts: "".join(parts), provinces, letters, plate_chars(4),
    st.sampled_from(SERIES_MARKS),
) | st.builds(lambda chars, mark: "粤Z" + chars + mark, plate_chars(4), st.sampled_from("港澳"))
embassy_plates = st.builds(
    lambda digits, first: "使" + digits if first else digits + "使",
    st.text("0123456789", min_size=6, max_size=6),
    st.booleans(),
)
valid_plates = (
    ordinary_plates | small_nev_plates | large_nev_plates | series_plates | embassy_plates
)


@pytest.mark.parametrize(
    "plate",
    ["京A12345", "沪B7C8D9", "京AD12345", "粤BF12345", "京A12345D", "京A1234挂", "沪A1234领",
     "京A0001警", "粤B1234学", "粤Z1234港", "粤Z1234澳", "使014001", "224001使"],
)
def test_known_plates(plate):
    """Are real examples of each kind of plate accepted as they are?"""
    assert normalize_plate(plate) == plate


@given(valid_plates)
def test_valid_plates_stay_as_they_are(plate):
    """Is every generated valid plate returned unchanged?"""
    assert normalize_plate(plate) == plate


SEPARATORS = [" ", "\u3000", "·", "•", "・", ".", "-", "－", "．"]


def fullwidth(char: str) -> str:
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


@given(valid_plates, st.data())
def test_typed_plates_normalize_back(plate, data):
    """Do spaces, dots, dashes, lower case and full-width characters come off?"""
    typed = ""
    for char in plate:
        typed += data.draw(st.lists(st.sampled_from(SEPARATORS), max_size=2).map("".join))
        typed += data.draw(st.sampled_from([char, char.lower(), fullwidth(char.lower())]))
    typed += data.draw(st.sampled_from(["", " ", "\n"]))
    assert normalize_plate(typed) == plate


@given(valid_plates, st.data())
def test_i_or_o_is_refused_anywhere(plate, data):
    """Is a plate with I or O in place of any letter or digit refused, with that reason?"""
    positions = [i for i, char in enumerate(plate) if char in PLATE_CHARACTERS]
    index = data.draw(st.sampled_from(positions))
    mutated = plate[:index] + data.draw(st.sampled_from("IOio")) + plate[index + 1 :]
    with pytest.raises(ValueError, match="I and O are not used"):
        normalize_plate(mutated)


@given(ordinary_plates | small_nev_plates | large_nev_plates | series_plates,
       st.sampled_from("ABCWJ01台港澳中北上广东"))
def test_unknown_province_is_refused(plate, first):
    """Is a plate that does not start with a province abbreviation refused?"""
    with pytest.raises(ValueError):  # noqa: PT011 (some of these are refused for other faults)
        normalize_plate(first + plate[1:])


@given(ordinary_plates | series_plates | embassy_plates, st.data())
def test_dropping_a_character_is_refused(plate, data):
    """Is an ordinary, series or embassy plate missing any one character refused?"""
    index = data.draw(st.integers(0, len(plate) - 1))
    with pytest.raises(ValueError):  # noqa: PT011
        normalize_plate(plate[:index] + plate[index + 1 :])


@given(valid_plates, st.data())
def test_adding_two_characters_is_refused(plate, data):
    """Is any plate with two characters too many refused?

    (One more character can turn an ordinary plate into a valid new-energy one.)
    """
    index = data.draw(st.integers(0, len(plate)))
    extra = data.draw(plate_chars(2))
    with pytest.raises(ValueError):  # noqa: PT011
        normalize_plate(plate[:index] + extra + plate[index:])


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Enter the plate number."),
        (" · ", "Enter the plate number."),
        ("京AO1234", "The letters I and O are not used on plates."),
        ("京I12345", "The letters I and O are not used on plates."),
        ("A12345", "A plate starts with a province abbreviation such as 京 or 粤."),
        ("WJ0112345", "A plate starts with a province abbreviation such as 京 or 粤."),
        ("港A12345", "A plate starts with a province abbreviation such as 京 or 粤."),
        ("京12345", "After the province comes a letter (A–Z)."),
        ("京", "After the province comes a letter (A–Z)."),
        ("京A1234", "A plate has 5 characters after the province and letter, "
                   "or 6 for new-energy vehicles."),
        ("京A1234567", "A plate has 5 characters after the province and letter, "
                      "or 6 for new-energy vehicles."),
        ("京A123456", "With 6 characters, a plate is a new-energy plate: "
                     "they start with a letter A–K or end with D or F."),
        ("京A12挂34", "Plates use only letters and digits "
                     "(and a series mark such as 挂 or 学 at the end)."),
        ("京A12_345", "Plates use only letters and digits "
                     "(and a series mark such as 挂 or 学 at the end)."),
        ("京A1234港", "Only 粤Z plates carry 港 or 澳."),
        ("粤B1234澳", "Only 粤Z plates carry 港 or 澳."),
        ("京A12345挂", "A plate with a series mark such as 挂 has 4 characters before it."),
        ("使01400", "An embassy plate is 使 and 6 digits, such as 使014001."),
        ("使A14001", "An embassy plate is 使 and 6 digits, such as 使014001."),
    ],
)
def test_plate_reasons(typed, reason):
    """Does each fault get its own reason?"""
    with pytest.raises(ValueError) as refused:  # noqa: PT011 (the message is checked below)
        normalize_plate(typed)
    assert str(refused.value) == reason


# ---------------------------------------------------------------- VIN


def with_check_digit(vin: str) -> str:
    return vin[:8] + vin_check_digit(vin) + vin[9:]


vins = st.text(VIN_CHARACTERS, min_size=17, max_size=17).map(with_check_digit)

# transliteration values, to mutate a character into one that counts differently
VALUES = {
    **{d: int(d) for d in "0123456789"},
    **dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ",
               [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
               strict=True)),
}


@pytest.mark.parametrize(
    "vin",
    ["1M8GDM9AXKP042788", "11111111111111111", "LSVAM4187C2184847", "1HGCM82633A004352",
     "JH4KA7561PC008269", "LSGPC52U6AF102554"],
)
def test_known_vins(vin):
    """Are real VINs (check digits computed by hand) valid?"""
    assert vin_check_digit(vin) == vin[8]
    assert is_valid_vin(vin)
    assert normalize_vin(vin) == vin


@given(vins)
def test_generated_vins_are_valid(vin):
    """Is any 17 VIN characters with the check digit set by vin_check_digit valid?"""
    assert is_valid_vin(vin)
    assert normalize_vin(vin) == vin


@given(vins, st.data())
def test_changing_one_character_is_caught(vin, data):
    """Does a typo in any one position (its value changed) break the check digit?"""
    index = data.draw(st.integers(0, 16))
    if index == 8:
        replacement = data.draw(st.sampled_from("0123456789X").filter(lambda c: c != vin[8]))
    else:
        replacement = data.draw(
            st.sampled_from(VIN_CHARACTERS).filter(lambda c: VALUES[c] != VALUES[vin[index]])
        )
    mutated = vin[:index] + replacement + vin[index + 1 :]
    assert not is_valid_vin(mutated)
    with pytest.raises(ValueError, match="check digit"):
        normalize_vin(mutated)


@given(vins, st.data())
def test_typed_vins_normalize_back(vin, data):
    """Do lower case, spaces, dashes and full-width characters come off?"""
    typed = ""
    for char in vin:
        typed += data.draw(st.sampled_from(["", "", " ", "-", "\u3000"]))
        typed += data.draw(st.sampled_from([char, char.lower(), fullwidth(char)]))
    assert normalize_vin(typed) == vin


@given(vins, st.data())
def test_i_o_q_are_refused(vin, data):
    """Is a VIN with I, O or Q anywhere refused with that reason?"""
    index = data.draw(st.integers(0, 16))
    mutated = vin[:index] + data.draw(st.sampled_from("IOQioq")) + vin[index + 1 :]
    with pytest.raises(ValueError, match="never use the letters I, O or Q"):
        normalize_vin(mutated)


@given(vins, st.data())
def test_wrong_lengths_are_refused(vin, data):
    """Are 16 and 18 characters refused with the count?"""
    index = data.draw(st.integers(0, 16))
    shorter = vin[:index] + vin[index + 1 :]
    longer = vin[:index] + data.draw(st.sampled_from(VIN_CHARACTERS)) + vin[index:]
    with pytest.raises(ValueError, match="this has 16"):
        normalize_vin(shorter)
    with pytest.raises(ValueError, match="this has 18"):
        normalize_vin(longer)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Enter the VIN."),
        ("1M8GDM9AXKP04278", "A VIN has 17 characters; this has 16."),
        ("1M8GDM9AXKP0427888", "A VIN has 17 characters; this has 18."),
        ("1M8GDM9AXKP0427O8", "VINs never use the letters I, O or Q."),
        ("1M8GDM9AXKP04278*", "A VIN has only letters and digits."),
        ("1M8GDM9A1KP042788", "The check digit (9th character) does not match: check for a typo."),
    ],
)
def test_vin_reasons(typed, reason):
    """Does each fault get its own reason?"""
    with pytest.raises(ValueError) as refused:  # noqa: PT011 (the message is checked below)
        normalize_vin(typed)
    assert str(refused.value) == reason
    assert not is_valid_vin(typed)
