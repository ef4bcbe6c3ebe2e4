"""API: records (see the module's owner in docs/architecture.md)."""

from ninja import Router

router = Router(tags=["plan"])
