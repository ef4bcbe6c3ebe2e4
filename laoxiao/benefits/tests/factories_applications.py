"""Builders of the applications tests: reviewers of each level of 相山区 东街道 1社区, a family
member with a live link, a PDF upload, an application, and a steps rule of one's own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.actions.applications import application_submit
from laoxiao.benefits.loader import load_programmes
from laoxiao.benefits.models import Application, Programme
from laoxiao.benefits.tests.factories import shipped_programme
from laoxiao.core.models import RuleVersion
from laoxiao.core.rules import load_rules
from laoxiao.people.models import Elder, FamilyLink
from laoxiao.people.tests.factories import XS1, make_elder

DAY = dt.date(2026, 3, 10)
NOW = timezone.make_aware(dt.datetime(2026, 3, 10, 9, 0))
TOWN = "340603001000"
COUNTY = "340603000000"
PDF = b"%PDF-1.4\n% a test document\n"


def load_catalogue() -> None:
    """Programmes and rules (a transactional test flushes the data migrations' rows)."""
    load_programmes()
    load_rules()


def programme(code: str = "service_subsidy") -> Programme:
    return shipped_programme(code)


def pdf(name: str = "hukou.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_reviewers() -> dict[str, Any]:
    """Community workers and officers of each level over XS1."""
    return {
        "worker": make_user("cw1", ["community_worker"], [XS1]),
        "community": make_user("mz_c1", ["civil_affairs_community"], [XS1]),
        "community2": make_user("mz_c2", ["civil_affairs_community"], [XS1]),
        "township": make_user("mz_t1", ["civil_affairs_township"], [TOWN]),
        "county": make_user("mz_x1", ["civil_affairs_county"], [COUNTY]),
    }


def make_family(elder: Elder, username: str = "fam1", *, live: bool = True) -> Any:
    user = make_user(username, ["family_member"], [])
    FamilyLink.objects.create(
        user=user,
        elder=elder,
        region_code=elder.region_code,
        relation="son",
        consent_on=dt.date(2026, 1, 1) if live else None,
    )
    return user


def make_person(officer: Any, seq: int = 1, **data: Any) -> Elder:
    return make_elder(officer, seq=seq, region=XS1, birth=dt.date(1944, 5, 6), **data)


def submit(actor: Any, elder: Elder, code: str = "service_subsidy", **kw: Any) -> Application:
    kw.setdefault("documents", [pdf()])
    kw.setdefault("note", "low income")
    return application_submit(actor=actor, programme=programme(code), elder=elder, **kw)


def set_steps(
    steps: list[dict[str, Any]], *, code: str | None = None, on: dt.date = dt.date(2026, 1, 1)
) -> None:
    """A city's own version of ``benefits.application_steps`` (the default, or one programme's)."""
    data: dict[str, Any] = {"default": steps, "programmes": {}}
    if code:
        data = {
            "default": [{"level": "community", "approvals": 1}],
            "programmes": {code: steps},
        }
    RuleVersion.objects.update_or_create(
        key="benefits.application_steps", effective_from=on, defaults={"data": data, "certainty": "?"}
    )
