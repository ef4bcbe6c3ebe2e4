"""The facts a batch of visits is checked against, read in a few set-based queries.

``facts_for(visits)`` reads, for every person, item and worker named in the batch (whatever its
size): the people's home position, death, moving away and institution stays; the items' minimum
minutes and certificate; the workers' employment, certificates and their *stored* visits in the
batch's time window (for the overlap check). No scope here: the callers (actions) have checked
who may record the visits; the facts are not shown to anyone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from laoxiao.core.bulk import chunks
from laoxiao.people.models import Elder, InstitutionStay
from laoxiao.providers.models import Certificate, ServiceItem, StaffMember
from laoxiao.services.models import ServiceVisit
from laoxiao.services.verification import Facts, Item, Person, VisitIn, Worker

# stored visits that no longer stand (a reviewer rejected them, the person denied them) do not
# make another visit of the worker overlap
NOT_BUSY = (ServiceVisit.Status.REJECTED, ServiceVisit.Status.DENIED)
# a visit rarely lasts longer than this: stored visits starting this long before the batch's first
# check-in are read too, so that a long one still overlaps
LONGEST_VISIT = dt.timedelta(hours=24)


def _ids(values: Iterable[Any]) -> list[Any]:
    return sorted({v for v in values if v is not None}, key=str)


def facts_for(visits: Sequence[VisitIn], *, busy: bool = True) -> Facts:
    """The ``Facts`` of a batch. ``busy=False`` skips the workers' stored visits."""
    facts = Facts()
    elder_ids = _ids(v.elder_id for v in visits)
    worker_ids = _ids(v.worker_id for v in visits)
    codes = _ids(v.item_code for v in visits)
    for part in chunks(elder_ids):
        for pk, lon, lat, died, moved in Elder.objects.filter(pk__in=list(part)).values_list(
            "pk", "home_lon", "home_lat", "died_on", "moved_out_on"
        ):
            facts.people[pk] = Person(home_lon=lon, home_lat=lat, died_on=died, moved_out_on=moved)
        for elder_id, admitted, left in InstitutionStay.objects.filter(elder_id__in=list(part)).values_list(
            "elder_id", "admitted_on", "left_on"
        ):
            facts.people.setdefault(elder_id, Person()).stays.append((admitted, left))
    for code, minutes, cert, name in ServiceItem.objects.filter(code__in=codes).values_list(
        "code", "min_minutes", "certificate_kind", "name"
    ):
        facts.items[code] = Item(min_minutes=minutes, certificate_kind=cert or "", name=name)
    for part in chunks(worker_ids):
        for pk, hired, left in StaffMember.objects.filter(pk__in=list(part)).values_list(
            "pk", "hired_on", "left_on"
        ):
            facts.workers[pk] = Worker(hired_on=hired, left_on=left)
        for staff_id, kind, issued, expires in Certificate.objects.filter(
            staff_id__in=list(part)
        ).values_list("staff_id", "kind", "issued_on", "expires_on"):
            facts.workers.setdefault(staff_id, Worker()).certificates.append((kind, issued, expires))
    if busy and visits:
        start = min(v.check_in_at for v in visits) - LONGEST_VISIT
        end = max((v.check_out_at or v.check_in_at) for v in visits)
        for part in chunks(worker_ids):
            rows = (
                ServiceVisit.objects.filter(
                    worker_id__in=list(part), check_in_at__gte=start, check_in_at__lte=end
                )
                .exclude(status__in=NOT_BUSY)
                .values_list("worker_id", "check_in_at", "check_out_at", "pk")
                .order_by("worker_id", "check_in_at")
            )
            for worker_id, cin, cout, pk in rows.iterator(chunk_size=5000):
                facts.workers.setdefault(worker_id, Worker()).busy.append((cin, cout or cin, pk))
    return facts
