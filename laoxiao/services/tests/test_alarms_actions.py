"""Emergency calls: vendors and keys, routing, the alarm's steps in order, scope, escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from laoxiao.accounts.models import hash_token
from laoxiao.accounts.tests.factories import make_user
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.jobs.registry import KINDS
from laoxiao.services.actions import alarms as actions
from laoxiao.services.models import Alarm, DeviceEvent, DeviceVendor
from laoxiao.services.selectors import alarms as selectors
from laoxiao.services.tests.factories_alarms import (
    SX1,
    make_alarm_elder,
    make_centre,
    make_device,
    make_vendor,
)

T0 = timezone.make_aware(dt.datetime(2025, 3, 3, 8, 0))


@pytest.fixture
def setup(admin_user: Any, xiangshan_officer: Any) -> dict[str, Any]:
    vendor, raw = make_vendor(admin_user)
    elder = make_alarm_elder(xiangshan_officer)
    centre = make_centre()
    device = make_device(vendor, elder)
    return {"vendor": vendor, "raw": raw, "elder": elder, "centre": centre, "device": device}


def _ingest(setup: dict[str, Any], event_id: str = "ev-1", at: dt.datetime = T0) -> tuple[Alarm, bool]:
    with clock.frozen(at):
        return actions.device_event_ingest(
            vendor=setup["vendor"], event_id=event_id, serial="SN-1", kind="sos", occurred_at=at, payload={}
        )


@pytest.mark.django_db
def test_vendor_key_is_kept_as_its_hash_and_rotates(admin_user: Any, xiangshan_officer: Any) -> None:
    vendor, raw = make_vendor(admin_user)
    stored = DeviceVendor.objects.get(pk=vendor.pk)
    assert stored.key_hash == hash_token(raw) and raw not in stored.key_hash and stored.key_prefix == raw[:10]
    assert actions.vendor_authenticate(raw) == vendor
    _, new = actions.vendor_rotate_key(actor=admin_user, vendor=vendor)
    assert actions.vendor_authenticate(raw) is None and actions.vendor_authenticate(new) == vendor
    actions.vendor_set_active(actor=admin_user, vendor=vendor, active=False)
    assert actions.vendor_authenticate(new) is None
    assert ChangeLog.objects.filter(target_type="services.devicevendor").count() == 3
    with pytest.raises(PermissionDenied):
        actions.vendor_create(actor=xiangshan_officer, code="other", name="Other")
    with pytest.raises(ValidationError) as exc:
        actions.vendor_create(actor=admin_user, code=vendor.code, name="again")
    assert "code" in exc.value.message_dict


@pytest.mark.django_db
def test_event_opens_one_alarm_routed_and_notified(setup: dict[str, Any]) -> None:
    alarm, created = _ingest(setup)
    assert created and alarm.status == Alarm.Status.OPEN and alarm.opened_at == T0
    assert alarm.provider == setup["centre"] and alarm.region_code == setup["elder"].region_code
    whom = {n["to"] for n in alarm.notified}
    assert whom == {"provider", "family", "community"}
    family = next(n for n in alarm.notified if n["to"] == "family")
    assert family["phone"] == "138****5678"
    again, created_again = _ingest(setup, at=T0 + dt.timedelta(minutes=1))
    assert again.pk == alarm.pk and not created_again
    assert DeviceEvent.objects.count() == 1 and Alarm.objects.count() == 1
    assert ChangeLog.objects.filter(target_type="services.alarm", action="create").count() == 1
    other, created_other = _ingest(setup, event_id="ev-2")
    assert created_other and other.pk != alarm.pk


@pytest.mark.django_db
def test_unknown_or_removed_serial_is_refused(setup: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.device_event_ingest(
            vendor=setup["vendor"], event_id="x", serial="nope", kind="sos", occurred_at=T0, payload={}
        )
    assert "serial" in exc.value.message_dict
    setup["device"].removed_on = dt.date(2025, 2, 1)
    setup["device"].save()
    with pytest.raises(ValidationError):
        _ingest(setup)
    assert Alarm.objects.count() == 0


@pytest.mark.django_db
def test_routing_without_a_centre_goes_to_no_provider(
    admin_user: Any, xiangshan_officer: Any, suixi_officer: Any
) -> None:
    vendor, _raw = make_vendor(admin_user)
    elder = make_alarm_elder(xiangshan_officer, seq=5, contact=False)
    make_centre(71, region=SX1)  # another county's centre is not on duty here
    provider, how = actions.provider_on_duty(elder)
    assert provider is None and how == "none"
    make_device(vendor, elder, serial="SN-9")
    alarm, _ = actions.device_event_ingest(
        vendor=vendor, event_id="e", serial="SN-9", kind="fall", occurred_at=T0, payload={}
    )
    assert alarm.provider is None and [n["to"] for n in alarm.notified] == ["community"]


@pytest.mark.django_db
def test_steps_in_order_stamped_with_the_clock(setup: dict[str, Any], xiangshan_officer: Any) -> None:
    alarm, _ = _ingest(setup)
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        with pytest.raises(ValidationError) as exc:
            actions.alarm_on_site(actor=xiangshan_officer, alarm=alarm)
        assert "status" in exc.value.message_dict
        with pytest.raises(ValidationError):
            actions.alarm_close(actor=xiangshan_officer, alarm=alarm, outcome="false alarm")
        alarm = actions.alarm_acknowledge(actor=xiangshan_officer, alarm=alarm)
    assert alarm.status == "acknowledged" and alarm.acknowledged_at == T0 + dt.timedelta(minutes=2)
    assert alarm.acknowledged_by == xiangshan_officer
    with pytest.raises(ValidationError):
        actions.alarm_acknowledge(actor=xiangshan_officer, alarm=alarm)
    with clock.frozen(T0 + dt.timedelta(minutes=15)):
        alarm = actions.alarm_on_site(actor=xiangshan_officer, alarm=alarm)
    with pytest.raises(ValidationError) as exc:
        actions.alarm_close(actor=xiangshan_officer, alarm=alarm, outcome="  ")
    assert "outcome" in exc.value.message_dict
    with clock.frozen(T0 + dt.timedelta(minutes=30)):
        alarm = actions.alarm_close(actor=xiangshan_officer, alarm=alarm, outcome="helped up, unhurt")
    assert alarm.status == "closed" and alarm.closed_at == T0 + dt.timedelta(minutes=30)
    assert alarm.on_site_at == T0 + dt.timedelta(minutes=15) and alarm.closed_by == xiangshan_officer
    assert ChangeLog.objects.filter(target_type="services.alarm", action="update").count() == 3


@pytest.mark.django_db
def test_scope_and_who_may_handle(
    setup: dict[str, Any], suixi_officer: Any, xiangshan_officer: Any, city: Any
) -> None:
    alarm, _ = _ingest(setup)
    sx_civil = make_user("sx_civil", ["civil_affairs_county"], ["340621000000"])
    xs_health = make_user("xs_health", ["health_county"], ["340603000000"])
    with pytest.raises(NotFound):
        selectors.alarm_get(actor=sx_civil, pk=alarm.pk)
    with pytest.raises(NotFound):
        actions.alarm_acknowledge(actor=sx_civil, alarm=alarm)
    with pytest.raises(NotFound):
        selectors.alarm_get(actor=xs_health, pk=alarm.pk)  # another sector sees no alarms
    with pytest.raises(PermissionDenied):
        actions.alarm_acknowledge(actor=xs_health, alarm=alarm)
    operator = make_user("centre_op", ["provider_operator"], [], provider=setup["centre"])
    other_op = make_user("other_op", ["provider_operator"], [], provider=make_centre(72))
    with pytest.raises(NotFound):
        selectors.alarm_get(actor=other_op, pk=alarm.pk)
    with pytest.raises(NotFound):
        actions.alarm_acknowledge(actor=other_op, alarm=alarm)
    assert selectors.alarm_get(actor=operator, pk=alarm.pk) == alarm
    assert actions.alarm_acknowledge(actor=operator, alarm=alarm).acknowledged_by == operator


@pytest.mark.django_db
def test_escalation_one_level_per_ack_minutes_and_idempotent(
    setup: dict[str, Any], xiangshan_officer: Any
) -> None:
    alarm, _ = _ingest(setup)  # ack_minutes 5, levels provider → family → community → emergency_120
    quiet, _ = _ingest(setup, event_id="ev-2")
    actions.alarm_acknowledge(actor=xiangshan_officer, alarm=quiet)
    assert actions.alarms_escalate(now=T0 + dt.timedelta(minutes=4, seconds=59)) == 0
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        assert actions.alarms_escalate() == 1
        assert actions.alarms_escalate() == 0  # the same moment again: nothing
    alarm.refresh_from_db()
    assert alarm.escalation_level == 1 and alarm.escalated_at == T0 + dt.timedelta(minutes=5)
    assert alarm.notified[-1]["to"] == "family"
    assert actions.alarms_escalate(now=T0 + dt.timedelta(minutes=9)) == 0
    assert actions.alarms_escalate(now=T0 + dt.timedelta(minutes=16)) == 1
    alarm.refresh_from_db()
    assert alarm.escalation_level == 3 and [n["to"] for n in alarm.notified[-2:]] == [
        "community",
        "emergency_120",
    ]
    assert actions.alarms_escalate(now=T0 + dt.timedelta(hours=3)) == 0  # the last level is the last
    quiet.refresh_from_db()
    assert quiet.escalation_level == 0
    assert ChangeLog.objects.filter(target_type="services.alarm", note__startswith="escalated").count() == 2


@pytest.mark.django_db
def test_escalate_command_and_job_kind(setup: dict[str, Any]) -> None:
    alarm, _ = _ingest(setup)
    call_command("services", "escalate", "--at", (T0 + dt.timedelta(minutes=6)).isoformat())
    alarm.refresh_from_db()
    assert alarm.escalation_level == 1
    assert "services.alarms_escalate" in KINDS


@pytest.mark.django_db
def test_response_times_by_provider_and_county(setup: dict[str, Any], xiangshan_officer: Any) -> None:
    a, _ = _ingest(setup)
    b, _ = _ingest(setup, event_id="ev-2")
    _ingest(setup, event_id="ev-3")
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        actions.alarm_acknowledge(actor=xiangshan_officer, alarm=a)
    with clock.frozen(T0 + dt.timedelta(minutes=6)):
        actions.alarm_acknowledge(actor=xiangshan_officer, alarm=b)
    with clock.frozen(T0 + dt.timedelta(minutes=20)):
        actions.alarm_on_site(actor=xiangshan_officer, alarm=b)
    actions.alarms_escalate(now=T0 + dt.timedelta(minutes=7))
    day = T0.date()
    [row] = selectors.response_times(actor=xiangshan_officer, by="provider", date_from=day, date_to=day)
    assert row["key"] == setup["centre"].uscc and row["alarms"] == 3 and row["acknowledged"] == 2
    assert row["ack_median_minutes"] == 4.0 and row["ack_mean_minutes"] == 4.0
    assert row["on_site_median_minutes"] == 20.0 and row["escalated"] == 1
    assert row["escalated_share"] == pytest.approx(0.333)
    [county] = selectors.response_times(actor=xiangshan_officer, by="county", date_from=day, date_to=day)
    assert county["key"] == "340603000000" and county["alarms"] == 3
    assert selectors.response_times(actor=xiangshan_officer, date_from=day + dt.timedelta(days=1)) == []
