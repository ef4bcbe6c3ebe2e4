"""Where a beneficiary is paid: a bank account, encrypted at rest and masked on screen."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from laoxiao.core.fields import BlindIndexField, EncryptedCharField
from laoxiao.regions.scoping import RegionScopedQuerySet


class PaymentAccountQuerySet(RegionScopedQuerySet):
    provider_field = "provider_id"


class PaymentAccount(models.Model):
    """The account a beneficiary is paid into: an older person's own, a child's guardian's, or a
    provider's. One current account per beneficiary (``beneficiary_key``: ``e<elder id>``,
    ``c<child id>``, ``p<provider id>``); a replaced account is kept with ``active=False``."""

    PROTECTED_FIELDS = {"account_number": "account"}

    beneficiary_key = models.CharField(max_length=24, db_index=True)
    elder = models.ForeignKey(
        "people.Elder", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    child = models.ForeignKey(
        "people.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    staff = models.ForeignKey(
        "providers.StaffMember", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )  # a care worker paid an award (beneficiary ``s<staff id>``)
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    bank_code = models.CharField(_("bank code"), max_length=20)
    account_number = EncryptedCharField(
        _("account number"), blind_index="account_number_hash", purpose="account"
    )
    account_number_hash = BlindIndexField()
    account_name = models.CharField(_("account name"), max_length=100)
    active = models.BooleanField(_("current"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaymentAccountQuerySet.as_manager()

    class Meta:
        ordering = ["beneficiary_key", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary_key"], condition=models.Q(active=True), name="account_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_key} {self.bank_code}"

    @property
    def record_sector(self) -> str | None:
        """Who reads this account's change-log rows: an older person's → elder care, a child's →
        childcare (a provider's: the provider's sector, found by the change log)."""
        if self.elder_id:
            return "eldercare"
        if self.child_id:
            return "childcare"
        return None
