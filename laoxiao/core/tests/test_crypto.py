from __future__ import annotations

import base64
import os

import pytest
from django.test import override_settings

from laoxiao.core import crypto
from laoxiao.core.masking import mask_id_number, mask_name, mask_phone


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_encrypt_round_trip_and_random_nonce() -> None:
    a = crypto.encrypt("340603194001011234")
    b = crypto.encrypt("340603194001011234")
    assert a != b  # a fresh nonce each time
    assert "340603194001011234" not in a
    assert crypto.decrypt(a) == crypto.decrypt(b) == "340603194001011234"


def test_tampered_ciphertext_is_refused() -> None:
    token = crypto.encrypt("13812345678")
    prefix, kid, body = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        crypto.decrypt(f"{prefix}.{kid}.{base64.urlsafe_b64encode(bytes(raw)).decode()}")


def test_rotation_old_values_still_decrypt_with_the_old_key_listed_second() -> None:
    old, new = _key(), _key()
    with override_settings(FIELD_KEY=old):
        token = crypto.encrypt("secret")
    with override_settings(FIELD_KEY=f"{new},{old}"):
        assert crypto.decrypt(token) == "secret"
        assert not crypto.sealed_with_current_key(token)
        assert crypto.sealed_with_current_key(crypto.encrypt("secret"))
    with override_settings(FIELD_KEY=new), pytest.raises(ValueError):
        crypto.decrypt(token)


def test_blind_index_is_deterministic_keyed_and_normalised() -> None:
    assert crypto.blind_index("34060319400101123x") == crypto.blind_index(" 34060319400101123X ")
    assert crypto.blind_index("a", purpose="id") != crypto.blind_index("a", purpose="phone")
    with override_settings(FIELD_KEY=_key()):
        other = crypto.blind_index("34060319400101123X")
    assert other != crypto.blind_index("34060319400101123X")


def test_masks() -> None:
    assert mask_id_number("34060319400101123X") == "340603********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
