"""The alarms board (/services/alarms/): open alarms first, oldest first, with their action buttons;
the alarms closed today; the day's response times by provider and county. The board reloads its
body every 15 seconds (htmx polling)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from laoxiao.accounts.models import User
from laoxiao.core.errors import NotFound
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.services.actions import alarms as actions
from laoxiao.services.selectors import alarms as selectors

STEPS = ("acknowledge", "on-site", "close")


class AuthedRequest(HttpRequest):
    user: User


class CloseForm(HardenedForm):
    outcome = forms.CharField(label=gettext_lazy("Outcome"), max_length=500)


def _board(request: AuthedRequest, **extra: object) -> HttpResponse:
    board = selectors.alarms_board(actor=request.user)
    template = (
        "services/alarms_board_body.html"
        if request.headers.get("HX-Request")
        else "services/alarms_board.html"
    )
    return render(request, template, {"board": board, "close_form": CloseForm(), **extra})


@login_required
def alarms_board(request: AuthedRequest) -> HttpResponse:
    return _board(request)


@login_required
@require_POST
def alarm_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise NotFound(step)
    alarm = selectors.alarm_get(actor=request.user, pk=pk)
    form = CloseForm(request.POST) if step == "close" else HardenedForm(request.POST)
    done = None
    if form.is_valid():
        if step == "acknowledge":
            done = run_action(form, lambda: actions.alarm_acknowledge(actor=request.user, alarm=alarm))
        elif step == "on-site":
            done = run_action(form, lambda: actions.alarm_on_site(actor=request.user, alarm=alarm))
        else:
            done = run_action(
                form,
                lambda: actions.alarm_close(
                    actor=request.user, alarm=alarm, outcome=form.cleaned_data["outcome"]
                ),
            )
    if done is None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        messages.success(request, _("Alarm updated."))
    if request.headers.get("HX-Request"):
        return _board(request)
    return redirect("services-alarms")
