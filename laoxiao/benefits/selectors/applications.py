"""Reading applications: what an actor sees (staff by region and sector, a family member their
linked people's), the review queue of a reviewer, the applications of a person, and the
applications waiting with nobody who may approve their step ("waiting: no reviewer")."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from laoxiao.accounts.models import User
from laoxiao.benefits.actions.applications import LEVELS, covering_code
from laoxiao.benefits.models import Application, ApplicationVote, Programme
from laoxiao.core.access import SECTOR_PERMISSION, has_sector, is_active_actor, provider_id_of
from laoxiao.core.crypto import blind_index
from laoxiao.core.errors import NotFound
from laoxiao.people.models import Child, Elder
from laoxiao.regions.scoping import PREFIX_LENGTH, prefix_q

A = Application.Status


def _family_q(actor: Any) -> Q:
    if not is_active_actor(actor):
        return Q(pk__in=[])
    links = actor.family_links.live()
    return Q(elder_id__in=links.filter(elder__isnull=False).values("elder_id")) | Q(
        child_id__in=links.filter(child__isnull=False).values("child_id")
    )


def applications_visible(actor: Any) -> QuerySet[Application]:
    """Staff: the applications of their regions and sectors; a family member: those of the people
    linked to their account with consent."""
    if not is_active_actor(actor):
        return Application.objects.none()
    scoped = Application.objects.visible_to(actor).values("pk")
    return Application.objects.filter(Q(pk__in=scoped) | _family_q(actor)).select_related(
        "programme", "elder", "child", "submitted_by"
    )


def application_get(*, actor: Any, pk: Any) -> Application:
    try:
        found = applications_visible(actor).filter(pk=pk).first()
    except (ValueError, TypeError):
        found = None
    if found is None:
        raise NotFound("benefits.application")
    return found


def application_votes(application: Application) -> list[ApplicationVote]:
    return list(ApplicationVote.objects.filter(application=application).select_related("voter"))


def family_applications(actor: Any) -> QuerySet[Application]:
    """A family member's applications: those of the people linked to them (whoever submitted)."""
    if not is_active_actor(actor):
        return Application.objects.none()
    return Application.objects.filter(_family_q(actor)).select_related("programme", "elder", "child")


def applications_of_person(
    *, actor: Any, elder: Elder | None = None, child: Child | None = None
) -> QuerySet[Application]:
    qs = applications_visible(actor)
    if elder is not None:
        return qs.filter(elder=elder)
    if child is not None:
        return qs.filter(child=child)
    return qs.none()


def review_queue(actor: Any) -> QuerySet[Application]:
    """The applications under review at a step the actor may vote on: in their programmes'
    sectors, at the level of one of their region assignments covering the person's region; not
    the ones they made, not the ones they already voted on."""
    if not is_active_actor(actor) or provider_id_of(actor):
        return Application.objects.none()
    sectors = [s for s in ("eldercare", "childcare") if has_sector(actor, s)]
    where = Q(pk__in=[])
    for code, level in actor.region_assignments.values_list("region_code", "region__level"):
        if level in LEVELS:
            where |= Q(step_level=level) & prefix_q("region_code", code[: PREFIX_LENGTH[level]])
    return (
        Application.objects.filter(status=A.PENDING, programme__sector__in=sectors)
        .filter(where)
        .exclude(submitted_by=actor)
        .exclude(votes__voter=actor)
        .select_related("programme", "elder", "child", "submitted_by")
        .order_by("submitted_at", "pk")
    )


# --- who may approve ------------------------------------------------------------------------------


def _sector_users(sector: str) -> QuerySet[User]:
    app_label, codename = SECTOR_PERMISSION[sector].split(".")
    perm = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    perm |= Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    return User.objects.filter(is_active=True, provider__isnull=True).filter(perm | Q(is_superuser=True))


def pool_ids(region_code: str, level: str, sector: str) -> set[int]:
    """The ids of everyone who may vote at a step of ``level`` for a person of ``region_code`` in
    ``sector`` (before the maker and earlier voters are taken out)."""
    code = covering_code(region_code, level)
    qs = _sector_users(sector).filter(
        region_assignments__region_code=code, region_assignments__region__level=level
    )
    return set(qs.values_list("pk", flat=True).distinct())


def reviewers_left(
    application: Application, cache: dict[tuple[str, str, str], set[int]] | None = None
) -> int:
    """How many more reviewers may still vote at the step under review: the pool without the maker
    and without everyone who voted on the application."""
    if application.status != A.PENDING or not application.step_level:
        return 0
    key = (
        covering_code(application.region_code, application.step_level),
        application.step_level,
        application.programme.sector,
    )
    if cache is None or key not in cache:
        ids = pool_ids(application.region_code, application.step_level, application.programme.sector)
        if cache is not None:
            cache[key] = ids
    else:
        ids = cache[key]
    voted = set(ApplicationVote.objects.filter(application=application).values_list("voter_id", flat=True))
    return len(ids - voted - {application.submitted_by_id})


def approvals_needed(application: Application) -> int:
    """The approvals the step under review still needs."""
    if application.status != A.PENDING:
        return 0
    needed = int(application.steps[application.step]["approvals"])
    got = (
        ApplicationVote.objects.filter(
            application=application, step=application.step, decision=ApplicationVote.Decision.APPROVE
        )
        .values("voter_id")
        .distinct()
        .count()
    )
    return max(needed - got, 0)


def is_waiting_no_reviewer(
    application: Application, cache: dict[tuple[str, str, str], set[int]] | None = None
) -> bool:
    """Under review, and fewer people may still approve the step than it needs: it holds, it never
    passes by itself."""
    if application.status != A.PENDING:
        return False
    return reviewers_left(application, cache) < approvals_needed(application)


def waiting_no_reviewer(actor: Any, *, limit: int = 500) -> list[Application]:
    """The applications of the actor's scope waiting with no one (or too few) who may approve the
    step under review (at most ``limit``, oldest first)."""
    cache: dict[tuple[str, str, str], set[int]] = {}
    qs = (
        Application.objects.visible_to(actor)
        .filter(status=A.PENDING)
        .select_related("programme", "elder", "child")
        .order_by("submitted_at", "pk")
    )
    out = []
    for app in qs.iterator(chunk_size=200):
        if is_waiting_no_reviewer(app, cache):
            out.append(app)
            if len(out) >= limit:
                break
    return out


# --- the things an application names --------------------------------------------------------------


def programme_for(code: str) -> Programme:
    found = Programme.objects.filter(code=code).first()
    if found is None:
        raise NotFound("benefits.programme")
    return found


def application_programmes() -> QuerySet[Programme]:
    return Programme.objects.filter(entry=Programme.Entry.APPLICATION, active=True)


def _person_for(model: Any, *, actor: Any, pk: int | None, id_number: str | None) -> Any:
    qs = model.objects.all()
    if id_number:
        qs = qs.filter(id_number_hash=blind_index(id_number.strip().upper()))
    elif pk is not None:
        qs = qs.filter(pk=pk)
    else:
        raise NotFound(model._meta.label_lower)
    field = "child_id" if model is Child else "elder_id"
    linked: Any = (
        actor.family_links.live().filter(**{f"{field}__isnull": False}).values(field)
        if is_active_actor(actor)
        else []
    )
    allowed = Q(pk__in=model.objects.visible_to(actor).values("pk")) | Q(pk__in=linked)
    found = qs.filter(allowed).first()
    if found is None:
        raise NotFound(model._meta.label_lower)
    return found


def elder_for(*, actor: Any, pk: int | None = None, id_number: str | None = None) -> Elder:
    """The older person an application is for: one linked to a family member's account (live
    link), or one in the staff's regions; else ``NotFound``."""
    found: Elder = _person_for(Elder, actor=actor, pk=pk, id_number=id_number)
    return found


def child_for(*, actor: Any, pk: int | None = None, id_number: str | None = None) -> Child:
    """The child an application is for (the same reach as ``elder_for``)."""
    found: Child = _person_for(Child, actor=actor, pk=pk, id_number=id_number)
    return found
