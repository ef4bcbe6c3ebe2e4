from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from laoxiao.core.idnumbers import parse_id_number


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def test_derives_birth_date_and_sex() -> None:
    info = parse_id_number(with_check("34060419420303021"))
    assert info.birth_date == dt.date(1942, 3, 3)
    assert info.sex == "M"  # 17th digit 1 is odd
    assert parse_id_number(with_check("34060419470404022")).sex == "F"


def test_district_created_after_birth_is_accepted() -> None:
    # 相山区 (340603) dates from 1983; an 80-year-old's number issued there in 1984 is valid,
    # although python-stdnum's validate() rejects it.
    number = with_check("34060319400101123")
    assert not ric.is_valid(number)
    assert parse_id_number(number).birth_date == dt.date(1940, 1, 1)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("3406031940010112", "length"),
        ("34060319400101123Y", "format"),
        ("340603194001011230", "checksum"),
        (with_check("34060319400231123"), "birth_date"),
        (with_check("34060330000101123"), "birth_date"),
        (with_check("34069919400101123"), "division"),
    ],
)
def test_bad_numbers_say_why(number: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_id_number(number)
    assert exc.value.code == code


def test_unknown_code_accepted_when_it_is_a_loaded_county() -> None:
    number = with_check("34069919400101123")
    assert parse_id_number(number, extra_codes={"340699"}).division_code == "340699"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)), st.integers(0, 999))
def test_any_valid_number_parses_back(birth: dt.date, seq: int) -> None:
    number = with_check(f"340621{birth:%Y%m%d}{seq:03d}")
    info = parse_id_number(number, today=dt.date(2026, 1, 1))
    assert info.birth_date == birth
    assert info.sex == ("M" if seq % 2 else "F")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError):
        parse_id_number(wrong, today=dt.date(2026, 1, 1))
