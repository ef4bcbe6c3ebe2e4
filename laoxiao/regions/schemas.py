from __future__ import annotations

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    is_rural: bool
    lon: float | None
    lat: float | None

    @staticmethod
    def resolve_parent_code(obj: object) -> str | None:
        return getattr(obj, "parent_id", None)


class PopulationOut(Schema):
    region_code: str
    year: int
    population: int
    households: int | None
    age_0_2: int | None
    age_60_plus: int | None
    age_65_plus: int | None
    age_80_plus: int | None
    source: str
