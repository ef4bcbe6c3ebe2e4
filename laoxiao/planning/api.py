"""API: the planning analyses (coverage, accessibility, siting, projection, demand and gaps)."""

from ninja import Router

router = Router(tags=["planning"])
