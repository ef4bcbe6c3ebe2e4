"""Providers (服务机构): elder-care homes, community centres, meal points, childcare providers.

The registry, its filing (备案) with an event history and documents, capacity (beds; childcare
classes), medical capacity (medical room, cooperation agreements), staff with certificates, and
price lists. Supervision records (inspections, complaints, incidents, ratings) live in
``laoxiao.supervision``. Rules (documents per kind, class-type limits, the 150-bed rule, the
inclusive-price ratio) are versioned data in ``rules/`` (``laoxiao.core.rules``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laoxiao.core import access
from laoxiao.core.fields import BlindIndexField, EncryptedCharField
from laoxiao.regions.scoping import RegionScopedQuerySet

ELDERCARE_KINDS = ("eldercare_home", "community_centre", "meal_point")
CHILDCARE_KINDS = access.CHILDCARE_KINDS


def sector_kinds(actor: Any) -> tuple[str, ...] | None:
    """The provider kinds the actor's sectors cover: civil affairs → elder care, health → childcare.
    None means every kind (superusers; provider operators for their own provider)."""
    if getattr(actor, "is_superuser", False):
        return None
    sectors = actor.sectors()
    kinds: tuple[str, ...] = ()
    if "eldercare" in sectors:
        kinds += ELDERCARE_KINDS
    if "childcare" in sectors:
        kinds += CHILDCARE_KINDS
    return kinds


class ProviderQuerySet(RegionScopedQuerySet):
    provider_field = "pk"

    def visible_to(self, actor: Any) -> ProviderQuerySet:
        """Providers in the actor's regions and sectors; a provider operator's own provider."""
        qs = super().visible_to(actor)
        kinds = sector_kinds(actor) if actor is not None and actor.is_authenticated else ()
        if kinds is None:
            return qs
        own = getattr(actor, "provider_id", None)
        q = Q(kind__in=kinds)
        if own:
            q |= Q(pk=own)
        return qs.filter(q)

    def eldercare(self) -> ProviderQuerySet:
        return self.filter(kind__in=ELDERCARE_KINDS)

    def childcare(self) -> ProviderQuerySet:
        return self.filter(kind__in=CHILDCARE_KINDS)

    def filed(self) -> ProviderQuerySet:
        return self.filter(filing_status=Provider.FilingStatus.FILED)


class Provider(models.Model):
    """A provider, keyed by its unified social credit code (统一社会信用代码)."""

    class Kind(models.TextChoices):
        ELDERCARE_HOME = "eldercare_home", _("elder-care home")
        COMMUNITY_CENTRE = "community_centre", _("elder-care service centre")
        MEAL_POINT = "meal_point", _("elder canteen / meal point")
        CHILDCARE_CENTRE = "childcare_centre", _("childcare centre")
        HOME_CHILDCARE = "home_childcare", _("home childcare point")
        KINDERGARTEN_CLASS = "kindergarten_class", _("nursery class in a kindergarten")
        WORKPLACE_CHILDCARE = "workplace_childcare", _("workplace childcare")

    class CentreLevel(models.TextChoices):
        COUNTY = "county", _("county level")
        TOWNSHIP = "township", _("township level")
        COMMUNITY = "community", _("community level")

    class Ownership(models.TextChoices):
        PUBLIC = "public", _("public")
        PUBLIC_BUILT_PRIVATE_RUN = "public_built_private_run", _("publicly built, privately run")
        PRIVATE = "private", _("private")

    class SupplyTier(models.TextChoices):
        SAFETY_NET = "safety_net", _("safety-net")
        INCLUSIVE = "inclusive", _("inclusive")
        MARKET = "market", _("market")

    class FilingStatus(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted for review")
        FILED = "filed", _("filed")
        RETURNED = "returned", _("returned")
        SUSPENDED = "suspended", _("suspended")
        WITHDRAWN = "withdrawn", _("withdrawn")
        CLOSED = "closed", _("closed")

    PROTECTED_FIELDS = {"contact_phone": "phone"}

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    centre_level = models.CharField(
        _("centre level"), max_length=16, choices=CentreLevel.choices, blank=True, default=""
    )
    ownership = models.CharField(_("ownership"), max_length=32, choices=Ownership.choices)
    supply_tier = models.CharField(_("supply tier"), max_length=16, choices=SupplyTier.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="providers")
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    operator_name = models.CharField(_("operator"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = EncryptedCharField(_("contact phone"), purpose="phone")
    opened_on = models.DateField(_("opening date"), null=True, blank=True)
    serves_meals = models.BooleanField(_("serves meals"), default=False)
    is_demonstration = models.BooleanField(_("demonstration institution"), default=False)
    is_backbone = models.BooleanField(_("backbone enterprise"), default=False)
    is_medical_integrated = models.BooleanField(_("medical-and-elder-care institution"), default=False)
    has_medical_room = models.BooleanField(_("medical room or nursing station"), default=False)
    beds = models.PositiveIntegerField(_("beds"), default=0)
    nursing_beds = models.PositiveIntegerField(_("nursing-type beds"), default=0)
    occupied_beds = models.PositiveIntegerField(_("occupied beds"), default=0)
    inclusive_slots = models.PositiveIntegerField(_("inclusive slots"), default=0)
    floor_area = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    filing_status = models.CharField(
        _("filing status"),
        max_length=16,
        choices=FilingStatus.choices,
        default=FilingStatus.DRAFT,
        db_index=True,
    )
    filed_on = models.DateField(_("filing date"), null=True, blank=True)
    submitted_on = models.DateField(_("submission date"), null=True, blank=True)
    accepted_on = models.DateField(_("acceptance date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nursing_beds__lte=models.F("beds")), name="nursing_le_beds"
            ),
            models.CheckConstraint(
                condition=models.Q(occupied_beds__lte=models.F("beds")), name="occupied_le_beds"
            ),
        ]
        indexes = [models.Index(fields=["kind", "filing_status"], name="inst_kind_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def sector(self) -> str:
        return "eldercare" if self.kind in ELDERCARE_KINDS else "childcare"

    @property
    def is_childcare(self) -> bool:
        return self.kind in CHILDCARE_KINDS


class ProviderRowQuerySet(RegionScopedQuerySet):
    """Rows that belong to a provider: scoped by region, by the provider's sector, and for a
    provider operator to their own provider."""

    provider_field = "provider_id"
    kind_field = "provider__kind"

    def visible_to(self, actor: Any) -> ProviderRowQuerySet:
        qs = super().visible_to(actor)
        kinds = sector_kinds(actor) if actor is not None and actor.is_authenticated else ()
        if kinds is None:
            return qs
        own = getattr(actor, "provider_id", None)
        q = Q(**{f"{self.kind_field}__in": kinds})
        if own:
            q |= Q(**{self.provider_field: own})
        return qs.filter(q)


class CertificateQuerySet(ProviderRowQuerySet):
    provider_field = "staff__provider_id"
    kind_field = "staff__provider__kind"


class FilingEvent(models.Model):
    """One step of a provider's filing: who moved it from which status to which, and why."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="filing_events")
    region_code = models.CharField(max_length=12, db_index=True)
    at = models.DateTimeField()
    on_date = models.DateField()
    actor_name = models.CharField(max_length=150, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "at", "id"]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.from_status} → {self.to_status}"


class FilingDocument(models.Model):
    """A document of the filing checklist (business licence, premises, fire safety, ...)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="documents")
    region_code = models.CharField(max_length=12, db_index=True)
    kind = models.CharField(_("document"), max_length=40)
    number = models.CharField(_("number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued"), null=True, blank=True)
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "kind"]
        constraints = [models.UniqueConstraint(fields=["provider", "kind"], name="document_provider_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class ChildcareClass(models.Model):
    class ClassType(models.TextChoices):
        INFANT = "infant", _("infant class (6–12 months)")
        TODDLER = "toddler", _("toddler class (12–24 months)")
        OLDER_TODDLER = "older_toddler", _("older toddler class (24–36 months)")
        MIXED = "mixed", _("mixed class (18 months +)")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="classes")
    region_code = models.CharField(max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=50)
    class_type = models.CharField(_("class type"), max_length=16, choices=ClassType.choices)
    capacity = models.PositiveIntegerField(_("capacity"))
    carers = models.PositiveIntegerField(_("carers"))

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "name"]
        constraints = [models.UniqueConstraint(fields=["provider", "name"], name="class_provider_name")]

    def __str__(self) -> str:
        return f"{self.provider} {self.name}"


class MedicalAgreement(models.Model):
    """A cooperation agreement of an elder-care home with a medical provider."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="medical_agreements")
    region_code = models.CharField(max_length=12, db_index=True)
    partner = models.CharField(_("medical institution"), max_length=200)
    signed_on = models.DateField(_("signed"))
    expires_on = models.DateField(_("expires"), null=True, blank=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "-signed_on"]

    def __str__(self) -> str:
        return self.partner


class StaffMember(models.Model):
    class Role(models.TextChoices):
        ELDERCARE_WORKER = "eldercare_worker", _("elder-care worker")
        INFANT_CARER = "infant_carer", _("infant-care worker")
        NURSERY_NURSE = "nursery_nurse", _("nursery nurse")
        HEALTH_CARE_STAFF = "health_care_staff", _("health-care staff")
        TEACHER = "teacher", _("teacher")
        SOCIAL_WORKER = "social_worker", _("social worker")
        DOCTOR = "doctor", _("doctor")
        NURSE = "nurse", _("nurse")
        MANAGER = "manager", _("manager")
        OTHER = "other", _("other")

    PROTECTED_FIELDS = {"id_number": "id"}

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="staff")
    region_code = models.CharField(max_length=12, db_index=True)
    id_number = EncryptedCharField(_("ID number"), blind_index="id_number_hash")
    id_number_hash = BlindIndexField()
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, db_index=True)
    hired_on = models.DateField(_("hired"), null=True, blank=True)
    left_on = models.DateField(_("left"), null=True, blank=True)

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "id_number_hash"], name="staff_provider_person")
        ]

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="certificates")
    region_code = models.CharField(max_length=12, db_index=True)
    kind = models.CharField(_("certificate"), max_length=100)
    number = models.CharField(_("number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued"), null=True, blank=True)
    expires_on = models.DateField(_("expires"), null=True, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["staff", "kind"]
        constraints = [models.UniqueConstraint(fields=["staff", "kind", "number"], name="certificate_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class ServiceItem(models.Model):
    """A priced service (a bed-month of care, a full-day childcare month, a meal...): city-wide codes."""

    class Sector(models.TextChoices):
        ELDERCARE = "eldercare", _("elder care")
        CHILDCARE = "childcare", _("childcare")

    class ContentClass(models.TextChoices):
        """The seven service contents of GB/T 43153-2023 (home-visit items; blank for the others)."""

        DAILY_LIVING = "daily_living", _("daily-living care")  # 生活照料
        BASIC_CARE = "basic_care", _("basic nursing care")  # 基础照护
        HEALTH = "health", _("health management")  # 健康管理
        VISITING = "visiting", _("visiting and caring")  # 探访关爱
        COMFORT = "comfort", _("emotional comfort")  # 精神慰藉
        ERRANDS = "errands", _("errands on commission")  # 委托代办
        ADAPTATION = "adaptation", _("home adaptation")  # 适老化改造

    class UnitKind(models.TextChoices):
        VISIT = "visit", _("visit")
        HOUR = "hour", _("hour")
        MEAL = "meal", _("meal")
        DAY = "day", _("day")
        MONTH = "month", _("month")

    code = models.CharField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=30)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    content_class = models.CharField(
        _("service content (GB/T 43153)"), max_length=16, choices=ContentClass.choices, blank=True
    )
    unit_kind = models.CharField(_("counted per"), max_length=8, choices=UnitKind.choices, blank=True)
    min_minutes = models.PositiveIntegerField(_("minimum minutes"), null=True, blank=True)
    certificate_kind = models.CharField(_("certificate the worker needs"), max_length=100, blank=True)

    class Meta:
        ordering = ["sector", "code"]

    def __str__(self) -> str:
        return self.name


class MarketReferencePrice(models.Model):
    """The local market price of a service item in a year (a city setting, 同等服务市场价格)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="reference_prices")
    year = models.PositiveSmallIntegerField(_("year"))
    price = models.DecimalField(_("reference price (yuan)"), max_digits=10, decimal_places=2)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["item", "-year"]
        constraints = [models.UniqueConstraint(fields=["item", "year"], name="reference_item_year")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.year}: {self.price}"


class Price(models.Model):
    """One line of a provider's published price list."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="prices")
    region_code = models.CharField(max_length=12, db_index=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="prices")
    price = models.DecimalField(_("price (yuan)"), max_digits=10, decimal_places=2)
    effective_from = models.DateField(_("effective from"))

    objects = ProviderRowQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "item", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "item", "effective_from"], name="price_unique")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.item_id}: {self.price}"
