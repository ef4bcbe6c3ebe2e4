from django.contrib import admin
from django.urls import include, path

from laoxiao.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("regions/", include("laoxiao.regions.urls")),
    path("plan/", include("laoxiao.plan.urls")),
    path("planning/", include("laoxiao.planning.urls")),
    path("services/", include("laoxiao.services.urls")),
    path("benefits/", include("laoxiao.benefits.urls")),
    path("imports/", include("laoxiao.imports.urls")),
    path("jobs/", include("laoxiao.jobs.urls")),
    path("providers/", include("laoxiao.providers.urls")),
    path("people/", include("laoxiao.people.urls")),
    path("supervision/", include("laoxiao.supervision.urls")),
    path("public/", include("laoxiao.portal.urls")),
    path("", include("laoxiao.core.urls")),
    path("", include("laoxiao.accounts.urls")),
    path("", include("laoxiao.web.urls")),
]
