"""The services API: meals (mounted at /api/v1/services by ``laoxiao.api.main``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["services"])
