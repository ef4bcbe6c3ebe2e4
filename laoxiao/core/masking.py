"""Masked display of personal data: enough to recognise, not enough to use."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """340603194001011234 → 340603********1234 (6 digits, 8 stars, last 4)."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 4, 0) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张三丰 → 张*丰; 李四 → 李*."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_account_number(value: str) -> str:
    """6222021234567890123 → 6222*********0123 (first 4, stars, last 4); a short number keeps
    only its last 2 digits."""
    value = (value or "").replace(" ", "")
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * max(len(value) - 2, 0) + value[-2:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_as(kind: str, value: object) -> str:
    """``value`` masked as a protected field of ``kind`` (a ``PROTECTED_FIELDS`` value: "id",
    "phone", "account"; any other kind is masked as an ID number)."""
    text = str(value or "")
    if kind == "phone":
        return mask_phone(text)
    if kind == "account":
        return mask_account_number(text)
    return mask_id_number(text)
