"""Emergency calls (助急): device vendors, devices, their events and the alarms they open."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.services.models._base import ElderRowQuerySet


class AlarmQuerySet(ElderRowQuerySet):
    provider_field = "provider_id"  # the provider an alarm is routed to sees it


class DeviceVendor(models.Model):
    """A vendor whose devices send events; authenticated by its key (only the SHA-256 is kept)."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=12, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """A device in an older person's home (SOS button, fall sensor, smoke or gas detector, activity
    sensor), optionally part of a family care bed."""

    class Kind(models.TextChoices):
        SOS = "sos", _("SOS button")
        FALL = "fall", _("fall sensor")
        SMOKE = "smoke", _("smoke detector")
        GAS = "gas", _("gas detector")
        ACTIVITY = "activity", _("activity sensor")

    vendor = models.ForeignKey(DeviceVendor, on_delete=models.PROTECT, related_name="devices")
    serial = models.CharField(_("serial number"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    elder = models.ForeignKey("people.Elder", on_delete=models.CASCADE, related_name="devices")
    region_code = models.CharField(max_length=12, db_index=True)
    contract = models.ForeignKey(
        "services.CareBedContract", null=True, blank=True, on_delete=models.SET_NULL, related_name="devices"
    )
    installed_on = models.DateField(_("installed on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)

    objects = ElderRowQuerySet.as_manager()
    record_sector = "eldercare"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vendor", "serial"], name="device_vendor_serial")]

    def __str__(self) -> str:
        return f"{self.vendor_id}:{self.serial}"


class DeviceEvent(models.Model):
    """An event as a vendor sent it; idempotent by (vendor, the vendor's event id)."""

    class Kind(models.TextChoices):
        SOS = "sos", _("SOS button pressed")
        FALL = "fall", _("fall detected")
        SMOKE = "smoke", _("smoke detected")
        GAS = "gas", _("gas detected")
        NO_ACTIVITY = "no_activity", _("no activity")

    vendor = models.ForeignKey(DeviceVendor, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(_("vendor's event id"), max_length=100)
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    serial = models.CharField(_("serial number"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vendor", "event_id"], name="device_event_once")]

    def __str__(self) -> str:
        return f"{self.vendor_id}:{self.event_id}"


class Alarm(models.Model):
    """An alarm opened by a device event, routed to the provider on duty, the family contacts and
    the community: open → acknowledged → on site → closed, each with its time and who; an alarm not
    acknowledged within the rule's minutes (``services.alarm_escalation``) escalates."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        ON_SITE = "on_site", _("on site")
        CLOSED = "closed", _("closed")

    event = models.OneToOneField(DeviceEvent, on_delete=models.PROTECT, related_name="alarm")
    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="alarms")
    region_code = models.CharField(max_length=12, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=DeviceEvent.Kind.choices)
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="alarms"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_site_at = models.DateTimeField(null=True, blank=True)
    on_site_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    notified = models.JSONField(_("notified"), default=list, blank=True)

    objects = AlarmQuerySet.as_manager()
    record_sector = "eldercare"

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["status", "opened_at"], name="alarm_status_opened")]

    def __str__(self) -> str:
        return f"{self.kind} {self.elder_id} {self.status}"
