from __future__ import annotations

from typing import Any

import pytest

from laoxiao.accounts.tests.factories import make_user
from laoxiao.supervision.tests.factories import make_provider


@pytest.fixture
def xs_home(city: dict[str, Any]) -> Any:
    """An elder-care home in 相山区."""
    return make_provider("相山康养院", kind="eldercare_home", region_code="340603001001", beds=120)


@pytest.fixture
def xs_nursery(city: dict[str, Any]) -> Any:
    """A childcare centre in 相山区."""
    return make_provider("相山宝贝托育", kind="childcare_centre", region_code="340603001002")


@pytest.fixture
def sx_home(city: dict[str, Any]) -> Any:
    """An elder-care home in 濉溪县."""
    return make_provider("濉溪敬老院", kind="eldercare_home", region_code="340621100001")


@pytest.fixture
def sx_nursery(city: dict[str, Any]) -> Any:
    """A childcare centre in 濉溪县."""
    return make_provider("濉溪托育中心", kind="childcare_centre", region_code="340621100002")


@pytest.fixture
def xs_health(city: dict[str, Any]) -> Any:
    """A health officer of 相山区: childcare, not elder care."""
    return make_user("xs_wj", ["health_county"], ["340603000000"])


@pytest.fixture
def sx_civil(city: dict[str, Any]) -> Any:
    """A civil-affairs officer of 濉溪县."""
    return make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])


@pytest.fixture
def xs_township(city: dict[str, Any]) -> Any:
    """A civil-affairs officer of 东街道 (township level, inside 相山区)."""
    return make_user("xs_town", ["civil_affairs_township"], ["340603001000"])
