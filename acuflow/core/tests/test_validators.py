"""The shared input bounds (acuflow.core.validators), table by table."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from acuflow.core import validators as v
from acuflow.core.forms import BoundedForm

UTC = dt.UTC
PLUS14 = dt.timezone(dt.timedelta(hours=14))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (dt.date(1900, 1, 1), True),
        (dt.date(2026, 3, 1), True),
        (dt.date(2100, 12, 31), True),
        (dt.date(1899, 12, 31), False),
        (dt.date(2101, 1, 1), False),
        (dt.date(1, 1, 1), False),
        (dt.date(9999, 12, 31), False),
    ],
)
def test_clinical_date(value: dt.date, ok: bool) -> None:
    if ok:
        assert v.check_clinical_date(value) == value
    else:
        with pytest.raises(ValueError):
            v.check_clinical_date(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (dt.date(1970, 5, 17), True),
        (dt.date.today(), True),
        (dt.date.today() + dt.timedelta(days=30), False),
        (dt.date(1899, 1, 1), False),
        (dt.date(1, 1, 1), False),
    ],
)
def test_birth_date(value: dt.date, ok: bool) -> None:
    if ok:
        assert v.check_birth_date(value) == value
    else:
        with pytest.raises(ValueError):
            v.check_birth_date(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC), True),
        (dt.datetime(2026, 3, 1, 9, 30, tzinfo=PLUS14), True),
        (dt.datetime(2026, 3, 1, 9, 30), False),  # naive: which zone?
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=PLUS14), False),  # broke the patient page
        (dt.datetime(9999, 12, 31, 23, 0, tzinfo=UTC), False),
    ],
)
def test_aware_datetime(value: dt.datetime, ok: bool) -> None:
    if ok:
        assert v.check_aware(value) == value
    else:
        with pytest.raises(ValueError):
            v.check_aware(value)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-01", dt.date(2026, 3, 1)),
        ("", None),
        (None, None),
        ("0001-01-01", None),
        ("9999-12-31", None),
        ("2026-02-30", None),
        ("2026-03-01\x00", None),
        ("not a date", None),
        ("2026-03-01T10:00:00", None),
    ],
)
def test_parse_clinical_date(text: str | None, day: dt.date | None) -> None:
    assert v.parse_clinical_date(text) == day


@pytest.mark.parametrize(
    ("text", "free", "line"),
    [
        ("Anna de Jong", True, True),
        ("Zoë Ødegård-Núñez", True, True),
        ("line one\nline two\r\n\tindented", True, False),
        ("\x00", False, False),
        ("a\x00b", False, False),
        ("\x1b[31m", False, False),
        ("\x7f", False, False),
        ("\x85", False, False),  # C1 NEXT LINE
        ("\ud800", False, False),  # a lone surrogate cannot be stored as UTF-8
        ("", True, True),
    ],
)
def test_text_and_line(text: str, free: bool, line: bool) -> None:
    for check, ok in ((v.check_text, free), (v.check_line, line)):
        if ok:
            assert check(text) == text
        else:
            with pytest.raises(ValueError):
                check(text)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ('{"a": [1, {"b": "c"}]}', True),
        (nested(v.JSON_MAX_DEPTH), True),
        (nested(v.JSON_MAX_DEPTH + 1), False),
        (nested(100_000), False),  # deeper than Python's recursion: still a ValueError
        ('{"a": "\\u0000"}', False),
        ('{"\\u0000": 1}', False),
        ('{"a": "\\ud800"}', False),
        ('{"note": "two\\nlines"}', True),
        ("{not json", False),
    ],
)
def test_load_json(text: str, ok: bool) -> None:
    if ok:
        assert v.load_json(text) == json.loads(text)
    else:
        with pytest.raises(ValueError):
            v.load_json(text)


def test_load_json_refuses_a_text_over_the_size_bound() -> None:
    with pytest.raises(ValueError):
        v.load_json('"' + "x" * v.JSON_MAX_BYTES + '"')


@given(st.recursive(st.none() | st.integers() | st.text(), st.lists, max_leaves=30))
def test_check_json_accepts_exactly_the_values_within_the_bounds(value: object) -> None:
    def depth(item: object) -> int:
        return 1 + max(map(depth, item), default=0) if isinstance(item, list) else 0

    def bad_text(item: object) -> bool:
        if isinstance(item, list):
            return any(map(bad_text, item))
        return isinstance(item, str) and v._bad_char(item, v.TEXT_ALLOWED_CONTROLS) is not None

    should_pass = depth(value) <= v.JSON_MAX_DEPTH and not bad_text(value)
    try:
        v.check_json(value)
        passed = True
    except ValueError:
        passed = False
    assert passed == should_pass


@given(st.text())
def test_a_line_is_also_free_text_and_neither_holds_nul(text: str) -> None:
    try:
        v.check_line(text)
    except ValueError:
        pass
    else:
        v.check_text(text)  # no ValueError: one line is stricter
    if "\x00" in text:
        with pytest.raises(ValueError):
            v.check_text(text)


@given(st.integers())
def test_bounded_int(value: int) -> None:
    inside = 0 <= value <= v.OFFSET_MAX
    try:
        v.check_bounded_int(value, 0, v.OFFSET_MAX)
        assert inside
    except ValueError:
        assert not inside


def test_the_django_validators_raise_validation_error() -> None:
    with pytest.raises(ValidationError):
        v.validate_clinical_date(dt.date(1, 1, 1))
    with pytest.raises(ValidationError):
        v.validate_line("a\nb")
    v.validate_text("a\nb")
    v.validate_clinical_date(None)


class _Form(BoundedForm):
    day = forms.DateField()
    at = forms.DateTimeField(required=False)
    name = forms.CharField()
    note = forms.CharField(widget=forms.Textarea, required=False)
    password = forms.CharField(widget=forms.PasswordInput, required=False)


@pytest.mark.parametrize(
    ("data", "bad"),
    [
        ({"day": "2026-03-01", "name": "Anna", "note": "a\r\nb"}, set()),
        ({"day": "0001-01-01", "name": "Anna"}, {"day"}),
        ({"day": "9999-12-31", "name": "Anna"}, {"day"}),
        ({"day": "2026-03-01", "at": "0001-01-01 00:00", "name": "Anna"}, {"at"}),
        ({"day": "2026-03-01", "name": "\x01"}, {"name"}),
        ({"day": "2026-03-01", "name": "Anna\nde Jong"}, {"name"}),
        ({"day": "2026-03-01", "name": "Anna", "note": "\x1b"}, {"note"}),
        ({"day": "2026-03-01", "name": "Anna", "password": "a\x01b"}, set()),
    ],
)
@pytest.mark.django_db
def test_bounded_form(data: dict[str, str], bad: set[str]) -> None:
    form = _Form(data)
    form.is_valid()
    assert set(form.errors) == bad


class _LateForm(BoundedForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["name_nl"] = forms.CharField()  # added after the base's __init__


@pytest.mark.django_db
def test_fields_added_in_a_forms_own_init_are_bounded_too() -> None:
    assert set(_LateForm({"name_nl": "\x07"}).errors) == {"name_nl"}
    assert _LateForm({"name_nl": "Lage rug"}).is_valid()
