"""The benefits API routers, all mounted at /api/v1/benefits by ``laoxiao.api.main``: ``programmes``
(programmes, rules, eligibility), ``applications`` (applications and votes), ``batches`` (batches,
items), ``accounts`` (payment accounts, checks, overpayments) and ``ledger`` (balances, budget use)."""

from laoxiao.benefits.api.accounts import router as accounts_router
from laoxiao.benefits.api.applications import router as applications_router
from laoxiao.benefits.api.batches import router as batches_router
from laoxiao.benefits.api.ledger import router as ledger_router
from laoxiao.benefits.api.programmes import router as programmes_router

ROUTERS = (programmes_router, applications_router, batches_router, accounts_router, ledger_router)

__all__ = ["ROUTERS"]
