"""Phone and e-mail value rules (no I/O)."""

from __future__ import annotations

import re

import phonenumbers


class InvalidPhone(ValueError):
    pass


def normalize_mobile(value: str, default_region: str = "CN") -> str:
    """Parse a mobile number (China by default) and return it in E.164 (+8613800138000)."""
    raw = value.strip()
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("不是电话号码 / is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("不是有效的电话号码 / is not a valid phone number")
    kind = phonenumbers.number_type(parsed)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise InvalidPhone("不是手机号码 / is not a mobile number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone(value: str, default_region: str = "CN") -> str:
    """Any valid phone (landline allowed), E.164."""
    try:
        parsed = phonenumbers.parse(value.strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("不是电话号码 / is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("不是有效的电话号码 / is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and len(value) <= 254
