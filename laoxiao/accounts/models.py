from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts import roles


class ResponsibleUnit(models.Model):
    """A unit named in the plan as responsible for tasks or indicators (市民政局, 市卫健委, ...)."""

    code = models.CharField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    aliases = models.JSONField(
        _("also written as"),
        default=list,
        blank=True,
        help_text=_("Other spellings of the name in the plan."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Where they see is their region assignments; what they do is their roles."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    unit = models.ForeignKey(
        ResponsibleUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reporters",
        verbose_name=_("responsible unit"),
    )

    class Meta:
        permissions = [
            ("sector_eldercare", "Works in elder care (civil affairs)"),
            ("sector_childcare", "Works in childcare (health)"),
            ("sector_health", "Works in health follow-up (health)"),
            ("reveal_personal_data", "Can reveal full personal data (logged)"),
            ("import_records", "Can import records"),
            ("export_records", "Can export records"),
            ("manage_regions", "Can load regions and population figures"),
            ("report_plan", "Can report plan tasks and indicators for the own unit"),
            ("approve_plan", "Can approve reported indicator values"),
        ]

    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operators",
        verbose_name=_("provider (for provider operators)"),
    )

    _region_prefixes: tuple[str, ...] | None

    def __str__(self) -> str:
        return self.display_name or self.username

    # --- the Actor interface used by selectors and actions ---------------------------------
    def region_prefixes(self) -> tuple[str, ...] | None:
        """None = the whole city; () = nothing (deny by default); else the assigned prefixes."""
        if hasattr(self, "_region_prefixes"):
            cached: tuple[str, ...] | None = self._region_prefixes
            return cached
        result: tuple[str, ...] | None
        if not self.is_active:
            result = ()
        elif self.is_superuser:
            result = None
        else:
            result = tuple(
                sorted({a.region.scope_prefix for a in self.region_assignments.select_related("region")})
            )
        self._region_prefixes = result
        return result

    def role_codes(self) -> list[str]:
        return [g.name for g in self.groups.all() if g.name in roles.ROLE_BY_CODE]

    def sectors(self) -> set[str]:
        out = set()
        for name, perm in (
            ("eldercare", roles.SECTOR_ELDERCARE),
            ("childcare", roles.SECTOR_CHILDCARE),
            ("health", roles.SECTOR_HEALTH),
        ):
            if self.has_perm(perm):
                out.add(name)
        return out


class RegionAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="region_assignments")
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="assignments")
    region_code = models.CharField(max_length=12, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="assignment_user_region")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.region_id}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """An API token for integrations. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
