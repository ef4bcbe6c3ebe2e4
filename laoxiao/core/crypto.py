"""Encryption at rest for personal data (AES-256-GCM) and blind indexes (HMAC-SHA256).

Key material comes from ``settings.FIELD_KEY`` (env ``LAOXIAO_FIELD_KEY``): URL-safe base64 of
32 random bytes. During a key rotation it holds several keys, comma-separated, newest first: the
first key encrypts, any listed key decrypts. Each stored value names the key it was sealed with::

    v1.<key id>.<urlsafe base64 of nonce(12) | ciphertext | tag(16)>

The key id is the first 8 hex digits of SHA-256 of the key, so no key needs a separate label.
Blind indexes use a key derived (HKDF) from the *first* key; ``laoxiao rotate-field-key``
re-encrypts every protected value and recomputes every blind index after the new key is put first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

from laoxiao.core.hostile import string_problem

PREFIX = "v1"


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    aead: AESGCM
    index_key: bytes


def _parse_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("LAOXIAO_FIELD_KEY is not URL-safe base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("LAOXIAO_FIELD_KEY must encode exactly 32 bytes")
    return raw


@lru_cache(maxsize=8)
def _keys(setting: str) -> tuple[FieldKey, ...]:
    out = []
    for part in [p for p in setting.split(",") if p.strip()]:
        raw = _parse_key(part)
        index_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"laoxiao-blind-index").derive(
            raw
        )
        out.append(FieldKey(hashlib.sha256(raw).hexdigest()[:8], AESGCM(raw), index_key))
    if not out:
        raise ImproperlyConfigured("LAOXIAO_FIELD_KEY is empty")
    return tuple(out)


def keys() -> tuple[FieldKey, ...]:
    return _keys(settings.FIELD_KEY)


def _storable(value: str) -> bytes:
    """The UTF-8 bytes of ``value``; a ValidationError (not a crash) for text no store can hold."""
    problem = string_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid")
    return value.encode("utf-8")


def encrypt(plaintext: str) -> str:
    data = _storable(plaintext)
    key = keys()[0]
    nonce = os.urandom(12)
    sealed = key.aead.encrypt(nonce, data, PREFIX.encode())
    return f"{PREFIX}.{key.key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    try:
        prefix, key_id, body = token.split(".", 2)
    except ValueError as exc:
        raise ValueError("not an encrypted value") from exc
    if prefix != PREFIX:
        raise ValueError(f"unknown encryption format {prefix!r}")
    for key in keys():
        if key.key_id == key_id:
            data = base64.urlsafe_b64decode(body)
            return key.aead.decrypt(data[:12], data[12:], PREFIX.encode()).decode("utf-8")
    raise ValueError(f"no key {key_id} in LAOXIAO_FIELD_KEY")


def sealed_with_current_key(token: str) -> bool:
    return token.split(".", 2)[1:2] == [keys()[0].key_id]


def blind_index(value: str, *, purpose: str = "id") -> str:
    """A deterministic keyed hash for exact lookup of an encrypted value (64 hex digits)."""
    normal = value.strip().upper()
    data = _storable(f"{purpose}:{normal}")
    return hmac.new(keys()[0].index_key, data, hashlib.sha256).hexdigest()
