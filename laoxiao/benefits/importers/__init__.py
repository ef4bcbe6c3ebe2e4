"""The benefits import kinds (found by ``imports.kinds``): ``payment-accounts`` (accounts),
``payment-items`` (export only: a batch's payment file), ``payment-results`` (reconciliation) and
``overpayments`` (export only)."""

from laoxiao.benefits.importers import accounts, overpayments, payment_items, results

__all__ = ["accounts", "overpayments", "payment_items", "results"]
