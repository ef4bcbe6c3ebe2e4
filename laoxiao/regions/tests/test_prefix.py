from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from laoxiao.regions.scoping import _after, level_of_code, prefix_for

digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


@given(digits, st.sampled_from([2, 4, 6, 9, 12]))
def test_range_is_the_same_as_startswith(code: str, n: int) -> None:
    prefix = code[:n]
    upper = _after(prefix)
    in_range = code >= prefix and (upper is None or code < upper)
    assert in_range == code.startswith(prefix)


@given(digits, digits, st.sampled_from([4, 6, 9]))
def test_range_excludes_other_codes(code: str, other: str, n: int) -> None:
    prefix = code[:n]
    upper = _after(prefix)
    assert (other >= prefix and (upper is None or other < upper)) == other.startswith(prefix)


def test_levels_and_prefixes() -> None:
    assert level_of_code("340600000000") == "city"
    assert level_of_code("340603000000") == "county"
    assert level_of_code("340603001000") == "township"
    assert level_of_code("340603001002") == "community"
    assert prefix_for("340603001000", "township") == "340603001"
    assert _after("340609") == "340610"
    assert _after("99") is None
