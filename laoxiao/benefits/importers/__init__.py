"""The benefits import kinds (found by ``imports.kinds``): ``payment-accounts`` (accounts) and
``payment-results`` (reconciliation)."""

from laoxiao.benefits.importers import accounts, overpayments  # noqa: F401 - register the kinds
