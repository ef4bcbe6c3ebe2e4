"""The benefits pages: applications. The review queue (and the applications waiting with no
reviewer), an application's page (the person masked, documents, steps with their votes and
reasons, the vote form for who may vote, withdraw for the submitter) and a community worker's
submit form. ``urlpatterns`` here is included by ``benefits/urls.py``."""

# (views read request.user, set by the middleware)

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laoxiao.benefits.actions import applications as actions
from laoxiao.benefits.models import Application, ApplicationVote
from laoxiao.benefits.selectors import applications as sel
from laoxiao.core.access import has_sector
from laoxiao.core.errors import NotFound
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.core.masking import mask_name
from laoxiao.core.paging import page_of


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the action checks their kinds and sizes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class VoteForm(HardenedForm):
    step = forms.IntegerField(min_value=0, max_value=32767, widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=ApplicationVote.Decision.choices)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(HardenedForm):
    note = forms.CharField(label=gettext_lazy("Why"), max_length=300, required=False)


class SubmitForm(HardenedForm):
    programme = forms.ChoiceField(label=gettext_lazy("Programme"))
    id_number = forms.CharField(label=gettext_lazy("ID number of the older person"), max_length=18)
    documents = MultipleFileField(label=gettext_lazy("Documents (PDF, PNG, JPEG)"), required=False)
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [
            (p.code, p.name) for p in sel.application_programmes().filter(sector="eldercare")
        ]


def _person_label(app: Application) -> str:
    person = app.elder or app.child
    return mask_name(person.name) if person is not None else ""


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    queue = page_of(sel.review_queue(request.user), request.GET.get("page"), per_page=50, params=request.GET)
    rows = [{"app": a, "person": _person_label(a)} for a in queue]
    waiting = [
        {"app": a, "person": _person_label(a)} for a in sel.waiting_no_reviewer(request.user, limit=100)
    ]
    mine = [
        {"app": a, "person": _person_label(a)}
        for a in sel.applications_visible(request.user).filter(submitted_by_id=request.user.pk)[:50]
    ]
    return render(
        request,
        "benefits/applications_queue.html",
        {
            "page": queue,
            "rows": rows,
            "waiting": waiting,
            "mine": mine,
            "f": {},
            "may_submit": bool(SubmitForm().fields["programme"].choices)
            and has_sector(request.user, "eldercare"),
        },
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = sel.application_get(actor=request.user, pk=pk)
    vote_form = VoteForm(prefix="vote", initial={"step": app.step})
    withdraw_form = WithdrawForm(prefix="withdraw")
    if request.method == "POST":
        what = request.POST.get("what")
        done: Any = None
        if what == "vote":
            vote_form = VoteForm(request.POST, prefix="vote")
            if vote_form.is_valid():
                c = vote_form.cleaned_data
                done = run_action(
                    vote_form,
                    lambda: actions.application_vote(
                        actor=request.user,
                        application=app,
                        decision=c["decision"],
                        reason=c["reason"],
                        step=c["step"],
                    ),
                    denied=True,
                )
        elif what == "withdraw":
            withdraw_form = WithdrawForm(request.POST, prefix="withdraw")
            if withdraw_form.is_valid():
                note = withdraw_form.cleaned_data["note"]
                done = run_action(
                    withdraw_form,
                    lambda: actions.application_withdraw(actor=request.user, application=app, note=note),
                    denied=True,
                )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("benefits-application", pk=pk)
    votes = sel.application_votes(app)
    steps = [
        {
            "index": i,
            "level": s["level"],
            "approvals": s["approvals"],
            "votes": [v for v in votes if v.step == i],
            "current": app.status == Application.Status.PENDING and i == app.step,
            "passed": i < app.step or app.status == Application.Status.APPROVED,
        }
        for i, s in enumerate(app.steps)
    ]
    voted = any(v.voter_id == request.user.pk for v in votes)
    may_vote = bool(
        app.status == Application.Status.PENDING
        and not voted
        and app.submitted_by_id != request.user.pk
        and actions.may_review(request.user, app)
    )
    return render(
        request,
        "benefits/applications_detail.html",
        {
            "app": app,
            "person": app.elder or app.child,
            "person_name": _person_label(app),
            "steps": steps,
            "waiting": sel.is_waiting_no_reviewer(app),
            "may_vote": may_vote,
            "may_withdraw": app.status == Application.Status.PENDING
            and app.submitted_by_id == request.user.pk,
            "vote_form": vote_form,
            "withdraw_form": withdraw_form,
        },
    )


@login_required
def application_document(request: HttpRequest, pk: int, index: int) -> FileResponse:
    """One document of an application, as an attachment (for who sees the application)."""
    app = sel.application_get(actor=request.user, pk=pk)
    if not 0 <= index < len(app.documents):
        raise NotFound("benefits.document")
    doc = app.documents[index]
    target = actions.document_path(str(doc.get("file", "")))
    if not target.is_file():
        raise NotFound("benefits.document")
    return FileResponse(
        target.open("rb"),
        as_attachment=True,
        filename=str(doc.get("name") or target.name),
        content_type=str(doc.get("content_type") or "application/octet-stream"),
    )


@login_required
def application_new(request: HttpRequest) -> HttpResponse:
    """A community worker (or officer) submits for an older person of their region."""
    form = SubmitForm()
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES)
        if form.is_valid():
            c = form.cleaned_data

            def submit() -> Application:
                elder = sel.elder_for(actor=request.user, id_number=c["id_number"])
                return actions.application_submit(
                    actor=request.user,
                    programme=sel.programme_for(c["programme"]),
                    elder=elder,
                    documents=c["documents"],
                    note=c["note"],
                )

            app = run_action(
                form,
                submit,
                field_map={"elder": "id_number"},
                denied=True,
                not_found=("id_number", _("No such person in your regions.")),
            )
            if app is not None:
                messages.success(request, _("The application was submitted."))
                return redirect("benefits-application", pk=app.pk)
    return render(request, "benefits/applications_new.html", {"form": form})


urlpatterns: list[URLPattern] = [
    path("applications/", review_queue, name="benefits-applications"),
    path("applications/new/", application_new, name="benefits-application-new"),
    path("applications/<int:pk>/", application_detail, name="benefits-application"),
    path(
        "applications/<int:pk>/documents/<int:index>/",
        application_document,
        name="benefits-application-document",
    ),
]
