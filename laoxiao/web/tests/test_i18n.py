"""The Chinese catalogue is complete and compiled; pages speak Chinese by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_has_a_chinese_translation() -> None:
    po = polib.pofile(str(LOCALE / "django.po"))
    assert len(po) > 100
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def test_compiled_catalogue_matches_the_source() -> None:
    po = {e.msgid: e.msgstr or e.msgstr_plural.get(0) for e in polib.pofile(str(LOCALE / "django.po"))}
    mo = {e.msgid: e.msgstr or e.msgstr_plural.get(0) for e in polib.mofile(str(LOCALE / "django.mo"))}
    mo.pop("", None)
    assert po == mo, "run `make messages` (compilemessages) after editing django.po"


def test_pages_are_chinese_by_default_and_english_on_request(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    zh = client.get("/").content.decode()
    assert "首页" in zh and "变更记录" in zh and "Change log" not in zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    en = client.get("/").content.decode()
    assert "Change log" in en and "变更记录" not in en
