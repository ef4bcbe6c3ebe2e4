"""The services API routers, all mounted at /api/v1/services by ``laoxiao.api.main``: ``orders``
(entitlements, care plans, orders), ``visits`` (check-in/out, review, claims, call-backs),
``meals``, ``beds`` (family care beds, respite), ``alarms`` (device events, alarms) and
``childcare`` (slots and bookings)."""

from laoxiao.services.api.alarms import router as alarms_router
from laoxiao.services.api.beds import router as beds_router
from laoxiao.services.api.childcare import router as childcare_router
from laoxiao.services.api.claims import router as claims_router
from laoxiao.services.api.meals import router as meals_router
from laoxiao.services.api.orders import router as orders_router
from laoxiao.services.api.visits import router as visits_router

ROUTERS = (
    orders_router,
    visits_router,
    meals_router,
    beds_router,
    alarms_router,
    childcare_router,
    claims_router,
)

__all__ = ["ROUTERS"]
