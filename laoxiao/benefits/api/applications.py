"""The benefits API: applications (mounted at /api/v1/benefits by ``laoxiao.api.main``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["benefits"])
