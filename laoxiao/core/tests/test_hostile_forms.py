"""The hostile-input probe over the page forms: every form on the create/edit pages of providers,
staff, certificates, classes, prices, elders' and children's records, tasks and milestones,
meetings, major projects, residential projects and reported values (and the planning pages' GET
forms) is sent as the page fills it, with one field at a time replaced by a NUL, a lone surrogate
(as a browser or a script can send it: the UTF-8 bytes of U+D800, percent-encoded), integers
beyond 64 bits and overflowing numbers. No answer may be a server error."""

from __future__ import annotations

import re
import time
import urllib.parse
from html.parser import HTMLParser
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from laoxiao.accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db

CITY = "340600000000"
SURROGATE = "\ud800".encode("utf-8", "surrogatepass")  # b"\xed\xa0\x80": not UTF-8
NUL = b"a\x00b"
BIG = b"9223372036854775808"  # 2**63
# by the kind of field the page shows: text gets the bad strings, numbers the bad numbers, anything
# else (select, date, hidden) a NUL and 2**63 (what a script sends there instead of a choice)
HOSTILE: dict[str, list[bytes]] = {
    "text": [NUL, SURROGATE],
    "number": [BIG, b"-9223372036854775809", b"1e309"],
    "other": [NUL, BIG],
}


class Forms(HTMLParser):
    """Every <form> of a page: method, action, enctype and the fields as the page fills them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "method": a.get("method", "get").lower(),
                    "action": a.get("action", ""),
                    "multipart": "multipart" in a.get("enctype", ""),
                    "fields": {},
                    "kinds": {},
                }
            )
            return
        if not self.forms or not a.get("name"):
            return
        fields = self.forms[-1]["fields"]
        name = a["name"]
        kinds = self.forms[-1]["kinds"]
        if tag == "textarea" or (
            tag == "input" and a.get("type", "text").lower() in ("text", "search", "tel", "email")
        ):
            kinds[name] = "text"
        elif tag == "input" and a.get("type", "").lower() == "number":
            kinds[name] = "number"
        else:
            kinds.setdefault(name, "other")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                fields.setdefault(name, None)
                return
            fields[name] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = name
            fields.setdefault(name, None)
        elif tag == "option" and self._select:
            if fields.get(self._select) is None or "selected" in a:
                if a.get("value", "") or "selected" in a:
                    fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def _pages() -> list[str]:
    from laoxiao.people.models import Child, Elder
    from laoxiao.plan.models import JointMeeting, MajorProject, PlanTask
    from laoxiao.planning.models import ResidentialProject
    from laoxiao.providers.models import Provider, StaffMember

    staff = StaffMember.objects.select_related("provider").order_by("pk").first()
    childcare = Provider.objects.filter(kind__startswith="childcare").order_by("pk").first()
    provider = Provider.objects.order_by("pk").first()
    assert staff and provider
    elder = Elder.objects.order_by("pk").first()
    child = Child.objects.order_by("pk").first()
    assert elder and child
    pages = [
        "/providers/new/",
        f"/providers/{provider.uscc}/edit/",
        f"/providers/{provider.uscc}/staff/new/",
        f"/providers/{staff.provider.uscc}/staff/{staff.pk}/certificates/new/",
        f"/providers/{provider.uscc}/prices/new/",
        f"/providers/{provider.uscc}/documents/new/",
        f"/people/elders/{elder.pk}/",
        f"/people/children/{child.pk}/",
        "/people/elders/",
        "/people/children/",
        "/plan/reporting/",
        "/plan/meetings/",
        "/plan/major-projects/",
        "/planning/demand/residential/new/",
        "/planning/coverage/",
        "/planning/siting/",
        "/planning/demand/",
        "/changelog/",
        "/supervision/inspections/new/",
        "/supervision/complaints/new/",
        "/supervision/incidents/new/",
        "/supervision/risk-signals/new/",
    ]
    if childcare:
        pages.append(f"/providers/{childcare.uscc}/classes/new/")
    for model, template in [
        (PlanTask, "/plan/tasks/{}/"),
        (JointMeeting, "/plan/meetings/{}/"),
        (MajorProject, "/plan/major-projects/{}/"),
        (ResidentialProject, "/planning/demand/residential/{}/"),
    ]:
        row = model.objects.order_by("pk").first()  # type: ignore[attr-defined]
        if row is not None:
            pages.append(template.format(row.code if model is PlanTask else row.pk))
    return pages


def _encode(fields: dict[str, Any], name: str, hostile: bytes) -> str:
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        raw = hostile if key == name else str(value).encode()
        parts.append(f"{urllib.parse.quote_plus(key)}={urllib.parse.quote_plus(raw)}")
    return "&".join(parts)


def test_no_hostile_value_in_any_page_form_answers_500() -> None:
    call_command("demo-city", scale=0.01, seed=7, stdout=StringIO())
    admin = make_user("probe_admin", ["city_admin"], [CITY])
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    failures: list[str] = []
    sent = 0
    started = time.monotonic()
    seen: set[tuple[str, str, str]] = set()  # the same form on many pages (navigation, filters) once
    for page in _pages():
        shown = client.get(page)
        assert shown.status_code == 200, (page, shown.status_code)
        parser = Forms()
        parser.feed(shown.content.decode())
        for form in parser.forms:
            target = urllib.parse.urljoin(page, form["action"] or page)
            names = [n for n in form["fields"] if n != "csrfmiddlewaretoken"]
            for name in names:
                key = (form["method"], re.sub(r"/\d+/", "/N/", target.split("?")[0]), name)
                if key in seen:
                    continue
                seen.add(key)
                for hostile in HOSTILE[form["kinds"].get(name, "other")]:
                    body = _encode(form["fields"], name, hostile)
                    if form["method"] == "get":
                        r = client.get(target.split("?")[0], QUERY_STRING=body)
                    elif form["multipart"]:
                        if hostile == SURROGATE:
                            continue  # a multipart part is decoded like a urlencoded body
                        data = {k: v for k, v in form["fields"].items() if v is not None}
                        data[name] = hostile.decode()
                        r = client.post(target, data)
                    else:
                        r = client.post(target, body, content_type="application/x-www-form-urlencoded")
                    sent += 1
                    if r.status_code >= 500:
                        failures.append(
                            f"{r.status_code} {form['method'].upper()} {target} {name}={hostile!r}"
                        )
    print(f"{sent} form requests in {time.monotonic() - started:.0f} s")
    assert sent > 300
    assert not failures, f"{len(failures)} of {sent} hostile form posts failed:\n" + "\n".join(failures)
