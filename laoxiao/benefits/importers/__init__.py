"""The benefits import kinds (found by ``imports.kinds``): ``payment-accounts`` (accounts) and
``payment-results`` (reconciliation)."""
