"""Output pieces the services API routers share: a provider named by its credit code and its name,
and the row of a service a provider gives one person."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ProviderNamed(Schema):
    """``provider`` (the unified social credit code) and ``provider_name`` of a row's provider."""

    provider: str
    provider_name: str

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return str(obj.provider.uscc)

    @staticmethod
    def resolve_provider_name(obj: Any) -> str:
        return str(obj.provider.name)


class PersonServiceRow(ProviderNamed):
    """A row of a service a provider gives one person: its id, provider, person and region."""

    id: int
    elder: int
    region_code: str

    @staticmethod
    def resolve_elder(obj: Any) -> int:
        return int(obj.elder_id)
