"""API: planning (demand)."""

from ninja import Router

router = Router(tags=["planning"])
