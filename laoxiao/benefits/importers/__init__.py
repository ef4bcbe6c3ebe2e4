"""The benefits import kinds (found by ``imports.kinds``): ``payment-accounts`` (accounts),
``payment-items`` (export only: a batch's payment file) and ``payment-results`` (reconciliation)."""

from laoxiao.benefits.importers import payment_items, results

__all__ = ["payment_items", "results"]
