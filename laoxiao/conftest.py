"""Shared pytest fixtures: a small two-district city and users of each role."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from laoxiao.accounts.tests.factories import make_user
from laoxiao.regions.tests.factories import make_city

# CI machines are small and shared: no per-example deadline, no "too slow" health check
settings.register_profile("laoxiao", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("laoxiao")


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """The benefits batch tests are job-engine tests too: the CI runs them again on the broker backend
    (``-m broker`` with ``LAOXIAO_TASKS_BACKEND=rq``, .ci/run)."""
    for item in items:
        path = item.path
        if path.name.startswith("test_batch") and path.parent.parts[-2:] == ("benefits", "tests"):
            item.add_marker(pytest.mark.broker)


@pytest.fixture
def city(db: Any) -> dict[str, Any]:
    return make_city()


@pytest.fixture
def admin_user(city: dict[str, Any]) -> Any:
    return make_user("admin", ["city_admin"], [city["city"].code])


@pytest.fixture
def xiangshan_officer(city: dict[str, Any]) -> Any:
    """A civil-affairs officer of 相山区 (340603)."""
    return make_user("xs_mz", ["civil_affairs_county"], ["340603000000"])


@pytest.fixture
def suixi_officer(city: dict[str, Any]) -> Any:
    """A health officer of 濉溪县 (340621)."""
    return make_user("sx_wj", ["health_county"], ["340621000000"])


@pytest.fixture
def nobody(city: dict[str, Any]) -> Any:
    """A staff user with a role but no region: sees nothing."""
    return make_user("nobody", ["civil_affairs_county"], [])
