"""Sign-in lockouts (issue 10): city administrators and superusers see who is locked out and
the recent failed sign-ins, and lift a lockout. ``laoxiao axes_reset`` does the same from the shell."""

from __future__ import annotations

import logging

from axes.models import AccessAttempt, AccessFailureLog
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laoxiao.accounts.models import User
from laoxiao.api.auth import reset_token_throttle
from laoxiao.core.changelog import log_change

log = logging.getLogger("laoxiao.auth")


def may_unlock(user: object) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False) or "city_admin" in user.role_codes())


@login_required
def lockouts(request: HttpRequest) -> HttpResponse:
    if not may_unlock(request.user):
        raise PermissionDenied
    locked = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).order_by(
        "-attempt_time"
    )[:200]
    failures = AccessFailureLog.objects.order_by("-attempt_time")[:100]
    return render(request, "accounts/lockouts.html", {"locked": locked, "failures": failures})


@login_required
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    if not may_unlock(request.user):
        raise PermissionDenied
    username = request.POST.get("username", "")[:150]
    ip = request.POST.get("ip_address", "")[:45]
    if not username and not ip:
        messages.error(request, _("Give a user name or an address to unlock."))
        return redirect("lockouts")
    count = reset(ip=ip or None, username=username or None)
    if ip:
        reset_token_throttle(ip)
    target = User.objects.filter(username=username).first() if username else None
    note = f"unlock username={username!r} ip={ip!r} attempts={count}"
    log.warning("sign-in %s by %s", note, request.user)
    if target is not None:
        log_change(actor=request.user, action="unlock", target=target, region_code="", note=note)
    messages.success(request, _("The lockout was lifted."))
    return redirect("lockouts")
