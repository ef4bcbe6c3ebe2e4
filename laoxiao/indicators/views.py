from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from laoxiao.indicators import selectors


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    return render(request, "indicators/indicator_list.html", {"indicators": selectors.indicator_list()})


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    return render(request, "indicators/task_list.html", {"tasks": selectors.task_list()})
