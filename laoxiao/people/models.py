"""People: older people (60+) and young children (under 3), with the follow-up the standards prescribe.

Older people: categories with effective dates, living arrangement, contacts, ability assessments
(GB/T 42195-2022), monthly welfare visits, yearly health management (65+). Children: guardians,
enrolment, newborn visits, health checks at the scheduled ages, vaccinations. Every row carries
``region_code`` (the person's community) for scoping; personal identifiers are encrypted with a
blind index. Rules (scoring table, visit-list rules, schedules) are versioned data in ``rules/``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.core.fields import BlindIndexField, EncryptedCharField
from laoxiao.regions.scoping import RegionScopedQuerySet, scope_q


class PersonQuerySet(RegionScopedQuerySet):
    """Scoped by region; the sector filter (civil affairs → elders, health → children and health
    follow-up) is applied by the selectors, which know what a page shows."""


class Elder(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class LivingArrangement(models.TextChoices):
        ALONE = "alone", _("living alone")
        EMPTY_NEST = "empty_nest", _("empty-nest")
        LEFT_BEHIND = "left_behind", _("left-behind")
        WITH_FAMILY = "with_family", _("with family")
        INSTITUTION = "institution", _("in an institution")

    PROTECTED_FIELDS = {"id_number": "id", "phone": "phone"}

    id_number = EncryptedCharField(_("ID number"), blind_index="id_number_hash")
    id_number_hash = BlindIndexField(unique=True)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), db_index=True)
    phone = EncryptedCharField(_("phone"), purpose="phone")
    address = models.CharField(_("address"), max_length=300, blank=True)
    # the home's position (WGS-84), for checking where a home visit was checked in (services)
    home_lon = models.FloatField(_("home longitude"), null=True, blank=True)
    home_lat = models.FloatField(_("home latitude"), null=True, blank=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="elders")
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    living_arrangement = models.CharField(
        _("living arrangement"), max_length=16, choices=LivingArrangement.choices, blank=True, db_index=True
    )
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="residents"
    )
    consent_data_sharing = models.BooleanField(_("consented to data sharing"), default=False)
    consent_on = models.DateField(_("consent date"), null=True, blank=True)
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("older person")
        verbose_name_plural = _("older people")
        indexes = [models.Index(fields=["region_code", "died_on"], name="elder_region_alive")]

    def __str__(self) -> str:
        return self.name


class ElderCategory(models.Model):
    """A category an older person belongs to, from ``valid_from`` until ``valid_to`` (open when empty)."""

    class Category(models.TextChoices):
        EXTREME_POVERTY = "extreme_poverty", _("extreme poverty (state support)")
        DIBAO = "dibao", _("minimum living allowance")
        NEAR_DIBAO = "near_dibao", _("near-allowance")
        LOW_INCOME = "low_income", _("low income")
        FP_SPECIAL = "fp_special", _("family-planning special family")
        SEVERE_DISABILITY = "severe_disability", _("severe disability")

    class SupportMode(models.TextChoices):
        INSTITUTIONAL = "institutional", _("institutional support")
        DISPERSED = "dispersed", _("dispersed support")

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="categories")
    region_code = models.CharField(max_length=12, db_index=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, db_index=True)
    support_mode = models.CharField(_("support mode"), max_length=16, choices=SupportMode.choices, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["elder", "category", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.category}"


class Contact(models.Model):
    """A household member or an emergency contact of an older person."""

    PROTECTED_FIELDS = {"phone": "phone"}

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="contacts")
    region_code = models.CharField(max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=30)
    phone = EncryptedCharField(_("phone"), purpose="phone")
    lives_with = models.BooleanField(_("household member"), default=False)
    is_emergency = models.BooleanField(_("emergency contact"), default=False)

    objects = PersonQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class AbilityLevel(models.TextChoices):
    INTACT = "intact", _("intact")
    MILD = "mild", _("mild loss of ability")
    MODERATE = "moderate", _("moderate loss of ability")
    SEVERE = "severe", _("severe loss of ability")
    TOTAL = "total", _("total loss of ability")


class AbilityAssessment(models.Model):
    """An elder ability assessment (GB/T 42195-2022): 26 item scores → domains → total → level."""

    class Reason(models.TextChoices):
        FIRST = "first", _("first assessment")
        ROUTINE = "routine", _("routine re-assessment")
        IMMEDIATE = "immediate", _("immediate (after a change)")
        REVIEW = "review", _("review")

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="assessments")
    region_code = models.CharField(max_length=12, db_index=True)
    assessed_on = models.DateField(_("assessed on"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    items = models.JSONField(_("item scores"))
    self_care = models.PositiveSmallIntegerField(_("self-care"))
    mobility = models.PositiveSmallIntegerField(_("basic mobility"))
    mental = models.PositiveSmallIntegerField(_("mental state"))
    perception = models.PositiveSmallIntegerField(_("perception and social participation"))
    total = models.PositiveSmallIntegerField(_("total"))
    preliminary_level = models.CharField(_("preliminary level"), max_length=10, choices=AbilityLevel.choices)
    coma = models.BooleanField(_("coma"), default=False)
    dementia = models.BooleanField(_("dementia"), default=False)
    psychiatric = models.BooleanField(_("psychiatric diagnosis"), default=False)
    risk_events_30d = models.PositiveSmallIntegerField(_("risk events in 30 days"), default=0)
    level = models.CharField(_("final level"), max_length=10, choices=AbilityLevel.choices, db_index=True)
    assessor = models.CharField(_("assessor"), max_length=100, blank=True)
    next_due_on = models.DateField(_("next due"), null=True, blank=True)
    rule_version = models.CharField(max_length=40, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["elder", "-assessed_on"]
        constraints = [models.UniqueConstraint(fields=["elder", "assessed_on"], name="assessment_elder_date")]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.assessed_on} {self.level}"


class WelfareVisit(models.Model):
    """A visit to an older person in special difficulty (探访关爱)."""

    class Mode(models.TextChoices):
        HOME = "home", _("home visit")
        PHONE = "phone", _("phone call")
        VIDEO = "video", _("video call")

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="welfare_visits")
    region_code = models.CharField(max_length=12, db_index=True)
    visited_on = models.DateField(_("visited on"), db_index=True)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    visitor = models.CharField(_("visitor"), max_length=100, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    needs = models.TextField(_("needs raised"), blank=True)
    follow_up = models.TextField(_("follow-up action"), blank=True)
    routed_to_provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    routed_to_region = models.CharField(_("routed to office (region code)"), max_length=12, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["elder", "-visited_on"]
        constraints = [
            models.UniqueConstraint(fields=["elder", "visited_on", "mode"], name="visit_elder_date_mode")
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.visited_on}"


class HealthCheck(models.Model):
    """Yearly health management of a person aged 65+ (老年人健康管理)."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="health_checks")
    region_code = models.CharField(max_length=12, db_index=True)
    checked_on = models.DateField(_("checked on"), db_index=True)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    complete = models.BooleanField(_("all parts done"), default=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["elder", "-checked_on"]
        constraints = [models.UniqueConstraint(fields=["elder", "checked_on"], name="healthcheck_elder_date")]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.checked_on}"


class Child(models.Model):
    """A child under 3, keyed by the ID number, or the birth medical certificate number until one exists."""

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    PROTECTED_FIELDS = {"id_number": "id", "birth_certificate_number": "id"}

    id_number = EncryptedCharField(_("ID number"), blind_index="id_number_hash")
    id_number_hash = BlindIndexField()
    birth_certificate_number = EncryptedCharField(
        _("birth medical certificate number"), blind_index="birth_certificate_hash", purpose="birthcert"
    )
    birth_certificate_hash = BlindIndexField()
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), db_index=True)
    birth_weight_g = models.PositiveIntegerField(_("birth weight (g)"), null=True, blank=True)
    discharge_date = models.DateField(_("discharge date"), null=True, blank=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="children_registered")
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolled"
    )
    childcare_class = models.ForeignKey(
        "providers.ChildcareClass",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "birth_date"]
        verbose_name = _("child")
        verbose_name_plural = _("children")

    def __str__(self) -> str:
        return self.name


class Guardian(models.Model):
    PROTECTED_FIELDS = {"id_number": "id", "phone": "phone"}

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardians")
    region_code = models.CharField(max_length=12, db_index=True)
    id_number = EncryptedCharField(_("ID number"), blind_index="id_number_hash")
    id_number_hash = BlindIndexField()
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=20, blank=True)
    phone = EncryptedCharField(_("phone"), purpose="phone")

    objects = PersonQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class NewbornVisit(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="newborn_visits")
    region_code = models.CharField(max_length=12, db_index=True)
    visited_on = models.DateField(_("visited on"))
    visitor = models.CharField(_("visitor"), max_length=100, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["child", "visited_on"]
        constraints = [models.UniqueConstraint(fields=["child", "visited_on"], name="newborn_child_date")]

    def __str__(self) -> str:
        return f"{self.child_id} {self.visited_on}"


class ChildHealthCheck(models.Model):
    class AgePoint(models.TextChoices):
        M1 = "1m", _("28–30 days")
        M3 = "3m", _("3 months")
        M6 = "6m", _("6 months")
        M8 = "8m", _("8 months")
        M12 = "12m", _("12 months")
        M18 = "18m", _("18 months")
        M24 = "24m", _("24 months")
        M30 = "30m", _("30 months")
        M36 = "36m", _("36 months")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="health_checks")
    region_code = models.CharField(max_length=12, db_index=True)
    checked_on = models.DateField(_("checked on"))
    age_point = models.CharField(_("age point"), max_length=4, choices=AgePoint.choices)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["child", "checked_on"]
        constraints = [models.UniqueConstraint(fields=["child", "age_point"], name="childcheck_child_point")]

    def __str__(self) -> str:
        return f"{self.child_id} {self.age_point}"


class Vaccination(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="vaccinations")
    region_code = models.CharField(max_length=12, db_index=True)
    vaccine = models.CharField(_("vaccine"), max_length=10)
    dose = models.PositiveSmallIntegerField(_("dose"))
    given_on = models.DateField(_("given on"))

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["child", "given_on"]
        constraints = [models.UniqueConstraint(fields=["child", "vaccine", "dose"], name="vaccination_dose")]

    def __str__(self) -> str:
        return f"{self.child_id} {self.vaccine}{self.dose}"


class HandoverRequestQuerySet(models.QuerySet):
    def incoming(self, actor: Any) -> HandoverRequestQuerySet:
        """Requests the actor decides: the record's current region is theirs and the sector is theirs."""

        if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
            return self.none()
        sectors = actor.sectors()
        kinds = [k for k, s in HANDOVER_SECTORS.items() if s & sectors]
        prefixes = actor.region_prefixes()
        qs = self.filter(kind__in=kinds).exclude(from_region_code="")
        q = scope_q("from_region_code", prefixes)
        return qs if q is None else qs.filter(q)

    def outgoing(self, actor: Any) -> HandoverRequestQuerySet:
        if actor is None or not getattr(actor, "is_authenticated", False):
            return self.none()
        return self.filter(requested_by=actor)


# a request's kind → the sectors that ask for and decide it
HANDOVER_SECTORS: dict[str, frozenset[str]] = {
    "elder": frozenset({"eldercare"}),
    "child": frozenset({"health"}),
}


class HandoverRequest(models.Model):
    """A request to hand a person registered in a region the requester cannot see over to theirs.

    The requester gives an ID number and their community; only its blind index is kept. The region
    the person is registered in (``from_region_code``) is looked up when the request is made and is
    shown to the deciding side only, never to the requester ("" when the number is not registered
    outside the requester's regions: such a request waits with no one to decide it, so making one
    tells nothing)."""

    class Kind(models.TextChoices):
        ELDER = "elder", _("older person")
        CHILD = "child", _("child")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    id_hash = BlindIndexField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handover_requests"
    )
    from_region_code = models.CharField(_("registered in"), max_length=12, blank=True, db_index=True)
    to_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    to_region_code = models.CharField(_("to region"), max_length=12, db_index=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = HandoverRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hand-over request")
        verbose_name_plural = _("hand-over requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_region_code}"

    @property
    def region_code(self) -> str:
        return self.to_region_code

    @property
    def record_sector(self) -> str:
        """The change-log sector of its rows (accounts.roles.RECORD_READERS)."""
        return "eldercare" if self.kind == self.Kind.ELDER else "child_health"


class InstitutionStay(models.Model):
    """An older person's stay in a residential institution, from ``admitted_on`` until ``left_on``
    (open while they live there). ``Elder.provider`` is where they live now; this is its dated
    history, which the services check visits and entitlements against (a home visit during a stay
    is flagged; a stay ends a home-care entitlement). A respite stay is not an institution stay."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="institution_stays")
    region_code = models.CharField(max_length=12, db_index=True)
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="stays", verbose_name=_("institution")
    )
    admitted_on = models.DateField(_("admitted on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["elder", "-admitted_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("admitted_on")),
                name="stay_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.elder_id}@{self.provider_id} {self.admitted_on}"


class FamilyLinkQuerySet(models.QuerySet):
    def live(self) -> FamilyLinkQuerySet:
        """Links in force: consented and not revoked."""
        return self.filter(consent_on__isnull=False, revoked_on__isnull=True)


class FamilyLink(models.Model):
    """A family member's account linked to one older person or one child, with the person's (or the
    guardian's) consent: a family member sees and acts for their own people only, and only while
    the link is consented and not revoked. Made by staff of the person's region."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_links")
    elder = models.ForeignKey(
        Elder, null=True, blank=True, on_delete=models.CASCADE, related_name="family_links"
    )
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.CASCADE, related_name="family_links"
    )
    region_code = models.CharField(max_length=12, db_index=True)
    relation = models.CharField(_("relation"), max_length=30)
    consent_on = models.DateField(_("consent date"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FamilyLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(elder__isnull=False) & models.Q(child__isnull=True))
                | (models.Q(elder__isnull=True) & models.Q(child__isnull=False)),
                name="family_link_one_person",
            ),
            models.UniqueConstraint(
                fields=["user", "elder"], condition=models.Q(elder__isnull=False), name="family_link_elder"
            ),
            models.UniqueConstraint(
                fields=["user", "child"], condition=models.Q(child__isnull=False), name="family_link_child"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.elder_id or self.child_id}"

    @property
    def record_sector(self) -> str:
        return "eldercare" if self.elder_id else "childcare"
