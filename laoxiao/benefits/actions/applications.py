"""Applications to a programme that needs one (``entry`` = application), and the votes on them.

- **Submit** (``application_submit``): by a family member for a person linked to their account
  with consent (a live ``FamilyLink``), or by a community worker / officer of the person's region
  and the programme's sector. Documents are uploaded files: each is checked (type by its first
  bytes, size, count), stored under ``VAR_DIR/benefits/documents`` with a random name, and kept in
  ``documents`` as name, size, sha256 and the stored name. The review steps are copied from the
  rule ``benefits.application_steps`` (the programme's own list, else the default).
- **Vote** (``application_vote``): a reviewer holding a region assignment *at the step's level*
  (community / township / county) covering the person's region, in the programme's sector, not a
  provider operator, never the maker. One vote per voter per application (so per step; the
  database holds the per-step constraint): a double-submitted vote changes nothing and answers the
  existing one. A reject (reason required) ends the application REJECTED; a step passes with
  ``approvals`` distinct approvals (N of M), then the next; after the last the application is
  APPROVED, ``valid_from`` the first day of the month after the decision (eligibility pays from
  that month). Votes are never edited or deleted: no action here changes one.
- **Empty pool**: nothing passes a step but votes, so a step nobody may vote on holds; the
  selectors list such applications as "waiting: no reviewer".
- **Withdraw** (``application_withdraw``): the submitter, while under review.

Every change writes a ChangeLog row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from laoxiao.benefits.models import Application, ApplicationVote, Programme
from laoxiao.core import clock
from laoxiao.core.access import (
    has_sector,
    in_region,
    is_active_actor,
    provider_id_of,
)
from laoxiao.core.bulk import save_logged
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.core.rules import rule
from laoxiao.people.models import Child, Elder
from laoxiao.regions.scoping import PREFIX_LENGTH

A = Application.Status
LEVELS = ("community", "township", "county")

# documents: technical limits of the upload (not rules of a programme)
DOC_MAX_FILES = 10
DOC_MAX_BYTES = 10 * 1024 * 1024
# suffix → (first bytes, content type)
DOC_TYPES: dict[str, tuple[tuple[bytes, ...], str]] = {
    ".pdf": ((b"%PDF-",), "application/pdf"),
    ".png": ((b"\x89PNG\r\n\x1a\n",), "image/png"),
    ".jpg": ((b"\xff\xd8\xff",), "image/jpeg"),
    ".jpeg": ((b"\xff\xd8\xff",), "image/jpeg"),
}


# --- documents ------------------------------------------------------------------------------------


def document_dir() -> Path:
    path = Path(settings.VAR_DIR) / "benefits" / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def document_path(stored: str) -> Path:
    """The file of a stored document name (a random hex name and a known suffix, nothing else)."""
    name = Path(stored).name
    if name != stored or not name or Path(name).suffix not in DOC_TYPES:
        raise NotFound("benefits.document")
    return document_dir() / name


def _read(upload: Any) -> bytes:
    if hasattr(upload, "chunks"):
        out = bytearray()
        for chunk in upload.chunks():
            out.extend(chunk)
            if len(out) > DOC_MAX_BYTES:
                break
        return bytes(out)
    data = upload.read(DOC_MAX_BYTES + 1)
    return bytes(data)


def _clean_name(name: str) -> str:
    base = Path(str(name or "").replace("\\", "/")).name.strip()
    return "".join(ch for ch in base if ch.isprintable())[:120]


def prepare_documents(documents: Iterable[Any]) -> list[tuple[dict[str, Any], bytes]]:
    """Check uploaded files (``name`` and ``chunks()`` or ``read()``): at most ``DOC_MAX_FILES``,
    each at most ``DOC_MAX_BYTES``, a PDF, PNG or JPEG by its suffix *and* its first bytes.
    Answers (metadata, content) pairs; refusals are ``ValidationError`` on ``documents``."""
    files = list(documents or [])
    if len(files) > DOC_MAX_FILES:
        raise ValidationError({"documents": _("At most %(n)d documents.") % {"n": DOC_MAX_FILES}})
    out: list[tuple[dict[str, Any], bytes]] = []
    for upload in files:
        name = _clean_name(getattr(upload, "name", "") or "")
        suffix = Path(name).suffix.lower()
        if not name or suffix not in DOC_TYPES:
            raise ValidationError(
                {"documents": _("%(name)s: a document is a PDF, PNG or JPEG file.") % {"name": name or "?"}}
            )
        content = _read(upload)
        if not content:
            raise ValidationError({"documents": _("%(name)s is empty.") % {"name": name}})
        if len(content) > DOC_MAX_BYTES:
            raise ValidationError(
                {
                    "documents": _("%(name)s is larger than %(mb)d MB.")
                    % {"name": name, "mb": DOC_MAX_BYTES // (1024 * 1024)}
                }
            )
        magics, content_type = DOC_TYPES[suffix]
        if not any(content.startswith(m) for m in magics):
            raise ValidationError(
                {"documents": _("%(name)s is not the kind of file its name says.") % {"name": name}}
            )
        meta = {
            "name": name,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "content_type": content_type,
            "file": f"{uuid.uuid4().hex}{'.jpg' if suffix == '.jpeg' else suffix}",
        }
        out.append((meta, content))
    return out


def _store(prepared: list[tuple[dict[str, Any], bytes]]) -> list[Path]:
    folder = document_dir()
    written: list[Path] = []
    try:
        for meta, content in prepared:
            target = folder / meta["file"]
            with target.open("xb") as f:
                f.write(content)
            written.append(target)
    except OSError:
        _unlink(written)
        raise
    return written


def _unlink(paths: Iterable[Path]) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


# --- who ------------------------------------------------------------------------------------------


def review_steps(programme: Programme, on: dt.date) -> list[dict[str, Any]]:
    """The steps of the rule ``benefits.application_steps`` in force on ``on``: the programme's own
    list (``programmes[code]``), else ``default``; each ``{"level", "approvals"}``."""
    data = rule("benefits.application_steps", on=on)
    steps = (data.get("programmes") or {}).get(programme.code) or data.get("default") or []
    out = []
    for s in steps:
        level, approvals = s.get("level"), s.get("approvals", 1)
        if (
            level not in LEVELS
            or not isinstance(approvals, int)
            or isinstance(approvals, bool)
            or approvals < 1
        ):
            raise ValidationError({"programme": _("The review steps of this programme are not set right.")})
        out.append({"level": level, "approvals": approvals})
    if not out:
        raise ValidationError({"programme": _("The review steps of this programme are not set right.")})
    return out


def is_family_of(actor: Any, *, elder: Elder | None = None, child: Child | None = None) -> bool:
    """The actor holds a live family link (consented, not revoked) to the person."""
    if not is_active_actor(actor):
        return False
    links = actor.family_links.live()
    if elder is not None:
        return bool(links.filter(elder_id=elder.pk).exists())
    return bool(child is not None and links.filter(child_id=child.pk).exists())


def is_staff_for(actor: Any, region_code: str, sector: str) -> bool:
    """A community worker or officer of the region in the sector (not a provider's operator)."""
    return bool(
        in_region(actor, region_code)
        and (actor.is_superuser or not provider_id_of(actor))
        and has_sector(actor, sector)
    )


def covering_code(region_code: str, level: str) -> str:
    """The code of the region at ``level`` that contains ``region_code``."""
    return region_code[: PREFIX_LENGTH[level]].ljust(12, "0")


def may_review(actor: Any, application: Application, level: str | None = None) -> bool:
    """The actor may vote at a step of ``level`` (default: the step under review): active, in the
    programme's sector, not a provider operator, holding an assignment to the region of that level
    that contains the person's region. (The maker and earlier voters are refused by the vote.)"""
    level = level or application.step_level
    if not level or level not in LEVELS or not is_active_actor(actor):
        return False
    if provider_id_of(actor) or not has_sector(actor, application.programme.sector):
        return False
    return bool(
        actor.region_assignments.filter(
            region_code=covering_code(application.region_code, level), region__level=level
        ).exists()
    )


def _person(programme: Programme, elder: Elder | None, child: Child | None) -> Elder | Child:
    if (elder is None) == (child is None):
        raise ValidationError({"elder": _("Name one person: an older person or a child.")})
    if programme.sector == "childcare" and child is None:
        raise ValidationError({"child": _("This programme is for children.")})
    if programme.sector != "childcare" and elder is None:
        raise ValidationError({"elder": _("This programme is for older people.")})
    person = elder if elder is not None else child
    assert person is not None
    return person


# --- submit ---------------------------------------------------------------------------------------


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    programme: Programme,
    elder: Elder | None = None,
    child: Child | None = None,
    documents: Iterable[Any] = (),
    note: str = "",
) -> Application:
    """Submit an application for a person to a programme (see the module docstring). A person
    outside the actor's reach is ``NotFound``; staff of another sector ``PermissionDenied``;
    bad content a ``ValidationError`` on its field (a duplicate pending application on
    ``programme``, also when two arrive at once: the partial unique constraint decides)."""
    person = _person(programme, elder, child)
    field = "elder" if elder is not None else "child"
    family = is_family_of(actor, elder=elder, child=child)
    if not family:
        if not in_region(actor, person.region_code):
            raise NotFound(f"people.{field}")
        if not is_staff_for(actor, person.region_code, programme.sector):
            raise PermissionDenied(_("You may not apply for this person."))
    if programme.entry != Programme.Entry.APPLICATION or not programme.active:
        raise ValidationError({"programme": _("This programme needs no application.")})
    day = clock.today()
    if (person.died_on and person.died_on <= day) or person.moved_out_on:
        raise ValidationError({field: _("This person has died or moved out of the city.")})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": _("The note is at most 2000 characters.")})
    steps = review_steps(programme, day)
    key = f"{'e' if elder is not None else 'c'}{person.pk}"
    duplicate = ValidationError({"programme": _("This person already has an application under review.")})
    if Application.objects.filter(programme=programme, beneficiary_key=key, status=A.PENDING).exists():
        raise duplicate
    prepared = prepare_documents(documents)
    written = _store(prepared)
    app = Application(
        programme=programme,
        beneficiary_key=key,
        elder=elder,
        child=child,
        region_code=person.region_code,
        status=A.PENDING,
        steps=steps,
        step=0,
        step_level=steps[0]["level"],
        documents=[meta for meta, _content in prepared],
        note=note,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        submitted_at=clock.now(),
    )
    try:
        with transaction.atomic():
            save_logged(
                app,
                actor=actor,
                fields=["programme_id", "beneficiary_key", "region_code", "status", "steps", "documents"],
                note="family" if family else "staff",
                exclude=["provider"],
            )
    except IntegrityError:
        _unlink(written)
        raise duplicate from None
    except ValidationError as exc:
        _unlink(written)
        if "__all__" in getattr(exc, "error_dict", {}):  # the model's constraint check, before the insert
            raise duplicate from None
        raise
    except BaseException:
        _unlink(written)
        raise
    return app


# --- vote -----------------------------------------------------------------------------------------


def first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _locked(application: Application) -> Application:
    app = (
        Application.objects.select_for_update().select_related("programme").filter(pk=application.pk).first()
    )
    if app is None:
        raise NotFound("benefits.application")
    return app


@transaction.atomic
def application_vote(
    *, actor: Any, application: Application, decision: str, reason: str = "", step: int | None = None
) -> ApplicationVote:
    """One reviewer's vote at the step under review (see the module docstring). ``step``, when
    given, is the step the reviewer saw: a vote for a step that has passed is refused. Answers the
    vote: the new one, or the actor's existing vote on this application (nothing changes)."""
    app = _locked(application)
    if not in_region(actor, app.region_code) and not is_family_of(actor, elder=app.elder, child=app.child):
        raise NotFound("benefits.application")
    existing = ApplicationVote.objects.filter(application=app, voter_id=actor.pk).order_by("step").first()
    if existing is not None:
        return existing  # a double-submitted vote (or a second vote by an earlier step's reviewer)
    if app.status != A.PENDING:
        raise ValidationError({"application": _("This application is no longer under review.")})
    if step is not None and step != app.step:
        raise ValidationError({"step": _("The application has moved on to another step.")})
    if app.submitted_by_id is not None and app.submitted_by_id == actor.pk:
        raise PermissionDenied(_("The maker of an application never votes on it."))
    if not may_review(actor, app):
        raise PermissionDenied(_("You may not review this step of the application."))
    if decision not in ApplicationVote.Decision.values:
        raise ValidationError({"decision": _("Choose approve or reject.")})
    reason = (reason or "").strip()
    if decision == ApplicationVote.Decision.REJECT and not reason:
        raise ValidationError({"reason": _("A rejection needs its reason.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("The reason is at most 500 characters.")})
    now = clock.now()
    vote = ApplicationVote(
        application=app,
        step=app.step,
        level=app.step_level,
        voter=actor,
        decision=decision,
        reason=reason,
        created_at=now,
    )
    try:
        with transaction.atomic():
            save_logged(
                vote,
                actor=actor,
                fields=["application_id", "step", "level", "decision", "reason"],
                region_code=app.region_code,
                clean=False,
            )
    except IntegrityError:
        found = ApplicationVote.objects.filter(application=app, step=app.step, voter_id=actor.pk).first()
        if found is None:
            raise
        return found
    _advance(actor=actor, app=app, decision=decision, now=now)
    return vote


def _advance(*, actor: Any, app: Application, decision: str, now: dt.datetime) -> None:
    if decision == ApplicationVote.Decision.REJECT:
        values: dict[str, Any] = {"status": A.REJECTED, "decided_at": now, "step_level": ""}
    else:
        needed = int(app.steps[app.step]["approvals"])
        got = (
            ApplicationVote.objects.filter(
                application=app, step=app.step, decision=ApplicationVote.Decision.APPROVE
            )
            .values("voter_id")
            .distinct()
            .count()
        )
        if got < needed:
            return
        if app.step + 1 < len(app.steps):
            values = {"step": app.step + 1, "step_level": app.steps[app.step + 1]["level"]}
        else:
            values = {
                "status": A.APPROVED,
                "decided_at": now,
                "step_level": "",
                "valid_from": first_of_next_month(clock.today()),
            }
    save_logged(
        app,
        actor=actor,
        values=values,
        action=ChangeLog.Action.STATUS if "status" in values else ChangeLog.Action.UPDATE,
        clean=False,
    )


# --- withdraw -------------------------------------------------------------------------------------


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application, note: str = "") -> Application:
    """The submitter withdraws an application under review."""
    app = _locked(application)
    mine = bool(is_active_actor(actor) and app.submitted_by_id == actor.pk)
    if not mine:
        linked = (
            is_family_of(actor, elder=app.elder, child=app.child) if (app.elder_id or app.child_id) else False
        )
        if not linked and not in_region(actor, app.region_code):
            raise NotFound("benefits.application")
        raise PermissionDenied(_("Only the submitter may withdraw an application."))
    if app.status != A.PENDING:
        raise ValidationError({"application": _("This application is no longer under review.")})
    save_logged(
        app,
        actor=actor,
        values={"status": A.WITHDRAWN, "decided_at": clock.now(), "step_level": ""},
        action=ChangeLog.Action.STATUS,
        note=(note or "").strip()[:300],
        clean=False,
    )
    return app
