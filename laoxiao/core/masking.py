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
    """6222021234567891234 → 6222***********1234 (first 4, last 4; a short number: last 4 only)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * max(len(value) - 4, 0) + value[-4:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_protected(kind: str, value: str) -> str:
    """The masked value of a protected field of ``kind`` (``PROTECTED_FIELDS``: "id", "phone", "account")."""
    if kind == "phone":
        return mask_phone(value)
    if kind == "account":
        return mask_account_number(value)
    return mask_id_number(value)
