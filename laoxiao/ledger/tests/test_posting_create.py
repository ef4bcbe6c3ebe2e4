"""posting_create: sums to zero, integers only, written once per key."""

from __future__ import annotations

import pytest

from laoxiao.ledger.actions import Unbalanced, account_get_or_create, posting_create, posting_reverse
from laoxiao.ledger.models import Entry, Posting
from laoxiao.ledger.selectors import balance


@pytest.mark.django_db
def test_posting_is_balanced_written_once_and_reversed() -> None:
    a = account_get_or_create(code="budget:x:340603000000:2026", kind="budget", region_code="340603000000")
    b = account_get_or_create(code="payable:x:340603000000:2026", kind="payable", region_code="340603000000")
    with pytest.raises(Unbalanced):
        posting_create(key="k0", kind="t", lines=[(a, -5), (b, 4)], region_code="340603000000")
    with pytest.raises(TypeError):
        posting_create(key="k0", kind="t", lines=[(a, -5.0), (b, 5.0)], region_code="340603000000")  # type: ignore[list-item]
    p1 = posting_create(key="k1", kind="t", lines=[(a, -500), (b, 500)], region_code="340603000000")
    p2 = posting_create(key="k1", kind="t", lines=[(a, -500), (b, 500)], region_code="340603000000")
    assert p1.pk == p2.pk and Posting.objects.count() == 1 and Entry.objects.count() == 2
    assert (balance(a), balance(b)) == (-500, 500)
    posting_reverse(posting=p1, key="k1:rev")
    posting_reverse(posting=p1, key="k1:rev")
    assert (balance(a), balance(b)) == (0, 0) and Posting.objects.count() == 2
