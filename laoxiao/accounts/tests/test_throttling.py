"""Issue 10 (8): sign-in throttling by account and by address; bad API tokens by address."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings

from laoxiao.accounts.actions import token_create
from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.core.headers import client_ip


@pytest.fixture(autouse=True)
def _clean() -> Any:
    cache.clear()
    yield
    cache.clear()


def _login(c: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return c.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_settings_do_not_disable_axes() -> None:
    from django.conf import settings

    assert settings.AXES_ENABLED and settings.AXES_FAILURE_LIMIT <= 10
    assert "axes.backends.AxesStandaloneBackend" in settings.AUTHENTICATION_BACKENDS


def test_wrong_passwords_lock_the_account_even_with_the_right_one(xiangshan_officer: Any) -> None:
    c = Client()
    for i in range(50):
        r = _login(c, xiangshan_officer.username, f"wrong-{i}", ip=f"10.0.1.{i}")
        if r.status_code == 429:
            break
    assert i < 10, "fifty wrong passwords answered normally"
    r = _login(c, xiangshan_officer.username, PASSWORD, ip="10.9.9.9")
    assert r.status_code == 429
    assert "_auth_user_id" not in c.session
    assert 'id="lockout"' in r.content.decode()
    assert "锁定" in r.content.decode()  # the user's language (zh-hans by default)
    assert AccessFailureLog.objects.filter(username=xiangshan_officer.username).exists()


def test_one_address_spraying_accounts_is_locked(xiangshan_officer: Any, suixi_officer: Any) -> None:
    c = Client()
    from django.conf import settings

    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(c, f"nobody-{i}", "x", ip="10.0.2.1")
    r = _login(c, suixi_officer.username, PASSWORD, ip="10.0.2.1")
    assert r.status_code == 429
    r = _login(Client(), suixi_officer.username, PASSWORD, ip="10.0.2.2")
    assert r.status_code == 302  # another address still signs in


def test_admin_unlocks_and_it_is_logged(xiangshan_officer: Any, admin_user: Any) -> None:
    from django.conf import settings

    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), xiangshan_officer.username, "x", ip=f"10.0.3.{i}")
    assert _login(Client(), xiangshan_officer.username, PASSWORD, ip="10.0.3.99").status_code == 429
    officer = Client()
    officer.force_login(xiangshan_officer)
    assert officer.get("/accounts/lockouts/").status_code == 403
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/accounts/lockouts/")
    assert page.status_code == 200 and xiangshan_officer.username in page.content.decode()
    r = admin.post("/accounts/lockouts/unlock/", {"username": xiangshan_officer.username})
    assert r.status_code == 302
    from laoxiao.core.models import ChangeLog

    assert ChangeLog.objects.filter(action="unlock", target_id=str(xiangshan_officer.pk)).exists()
    assert _login(Client(), xiangshan_officer.username, PASSWORD, ip="10.0.3.99").status_code == 302


def test_axes_reset_command(xiangshan_officer: Any) -> None:
    from django.conf import settings

    for _i in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), xiangshan_officer.username, "x", ip="10.0.4.1")
    assert AccessAttempt.objects.exists()
    call_command("axes_reset")
    assert not AccessAttempt.objects.exists()
    assert _login(Client(), xiangshan_officer.username, PASSWORD, ip="10.0.4.1").status_code == 302


@override_settings(LAOXIAO_API_TOKEN_FAILURE_LIMIT=5)
def test_bad_bearer_tokens_are_throttled_by_address(xiangshan_officer: Any, admin_user: Any) -> None:
    _, good = token_create(actor=admin_user, user=xiangshan_officer)
    c = Client()
    codes = [
        c.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Bearer bad-{i}", REMOTE_ADDR="10.0.5.1").status_code
        for i in range(8)
    ]
    assert codes[:4] == [401] * 4 and codes[-1] == 429, codes
    r = c.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Bearer {good}", REMOTE_ADDR="10.0.5.1")
    assert r.status_code == 429 and set(r.json()) == {"detail", "errors"}
    s = Client()
    s.force_login(xiangshan_officer)
    assert s.get("/api/v1/regions/", REMOTE_ADDR="10.0.5.1").status_code == 429  # a session does not bypass
    ok = Client().get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Bearer {good}", REMOTE_ADDR="10.0.5.2")
    assert ok.status_code == 200


def test_client_ip_behind_trusted_proxies() -> None:
    from django.test import RequestFactory

    req = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 7.7.7.7")
    assert client_ip(req) == "10.1.1.1"  # default: the header anyone can send is ignored
    with override_settings(LAOXIAO_TRUSTED_PROXY_COUNT=1):
        assert client_ip(req) == "7.7.7.7"
