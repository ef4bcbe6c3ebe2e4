"""Verified home visits (EVV): who served whom, what, when it started and ended, where, and how it
was checked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.services.models._base import ServiceRowQuerySet


class ServiceVisit(models.Model):
    """One visit: check-in and check-out with time, position and method.

    ``flags`` are the checks it failed (``services.verification.FLAGS``), each with its reason in
    ``flag_detail``. A visit without flags is ``verified``; a flagged one is ``held`` until a
    reviewer who is neither the worker nor staff of the provider (a township or county officer)
    clears it (``cleared``) or rejects it (``rejected``). A call-back that the person denies makes
    it ``denied``. Only ``verified`` and ``cleared`` visits count in a claim."""

    class Method(models.TextChoices):
        APP_GPS = "app_gps", _("app with GPS")
        PHONE_CALLBACK = "phone_callback", _("phone call-back")
        CARD = "card", _("card at the door")
        QR = "qr", _("QR code at the door")

    class Status(models.TextChoices):
        OPEN = "open", _("checked in")
        VERIFIED = "verified", _("verified")
        HELD = "held", _("held for review")
        CLEARED = "cleared", _("cleared by a reviewer")
        REJECTED = "rejected", _("rejected by a reviewer")
        DENIED = "denied", _("denied at call-back")

    class Source(models.TextChoices):
        APP = "app", _("app")
        API = "api", _("API")
        IMPORT = "import", _("import")
        DEMO = "demo", _("demo")

    COUNTED = (Status.VERIFIED, Status.CLEARED)

    order = models.ForeignKey(
        "services.ServiceOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="service_visits"
    )
    region_code = models.CharField(max_length=12, db_index=True)
    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="service_visits")
    worker = models.ForeignKey(
        "providers.StaffMember", on_delete=models.PROTECT, related_name="service_visits"
    )
    item = models.ForeignKey("providers.ServiceItem", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    check_in_at = models.DateTimeField(_("check-in"))
    check_in_lon = models.FloatField(_("check-in longitude"), null=True, blank=True)
    check_in_lat = models.FloatField(_("check-in latitude"), null=True, blank=True)
    check_in_accuracy_m = models.PositiveIntegerField(_("check-in accuracy (m)"), null=True, blank=True)
    check_out_at = models.DateTimeField(_("check-out"), null=True, blank=True)
    check_out_lon = models.FloatField(_("check-out longitude"), null=True, blank=True)
    check_out_lat = models.FloatField(_("check-out latitude"), null=True, blank=True)
    check_out_accuracy_m = models.PositiveIntegerField(_("check-out accuracy (m)"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    distance_m = models.PositiveIntegerField(_("distance from home (m)"), null=True, blank=True)
    service_day = models.DateField(_("day of service"), db_index=True)
    recorded_at = models.DateTimeField(_("received"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, db_index=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    flag_detail = models.JSONField(_("flag reasons"), default=dict, blank=True)
    rule_versions = models.JSONField(default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    gov_fen = models.PositiveIntegerField(_("government price (fen)"), default=0)
    integrity_hash = models.CharField(max_length=64, blank=True)

    objects = ServiceRowQuerySet.as_manager()

    class Meta:
        ordering = ["-check_in_at"]
        indexes = [
            models.Index(fields=["provider", "service_day"], name="visit_provider_day"),
            models.Index(fields=["worker", "check_in_at"], name="visit_worker_in"),
            models.Index(fields=["status", "region_code"], name="visit_status_region"),
            models.Index(fields=["elder", "service_day"], name="visit_elder_day"),
        ]
        constraints = [
            # the same check-in sent twice (an app retry, an import run twice) is one visit
            models.UniqueConstraint(fields=["worker", "elder", "check_in_at"], name="visit_once"),
            models.CheckConstraint(
                condition=models.Q(check_out_at__isnull=True)
                | models.Q(check_out_at__gte=models.F("check_in_at")),
                name="visit_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id}→{self.elder_id} {self.check_in_at:%Y-%m-%d %H:%M}"

    @property
    def counts(self) -> bool:
        return self.status in self.COUNTED
