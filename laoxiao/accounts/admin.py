"""Account administration for city administrators (Django admin). Changes are change-logged."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from laoxiao.accounts.models import ApiToken, RegionAssignment, User
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog


class RegionAssignmentInline(admin.TabularInline):
    model = RegionAssignment
    extra = 1
    fields = ("region",)
    autocomplete_fields = ("region",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = (RegionAssignmentInline,)
    list_display = ("username", "display_name", "unit", "is_active", "last_login")
    list_filter = ("is_active", "groups")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("laoxiao", {"fields": ("display_name", "unit")}),
    )

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changed = {f: [None, str(form.cleaned_data.get(f))] for f in form.changed_data if f != "password"}
        log_change(
            actor=request.user,
            action=ChangeLog.Action.UPDATE if change else ChangeLog.Action.CREATE,
            target=obj,
            region_code="",
            changes=changed,
            note="admin",
        )

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            log_change(
                actor=request.user, action=ChangeLog.Action.DELETE, target=obj, region_code=obj.region_code
            )
            obj.delete()
        for inst in instances:
            inst.region_code = inst.region_id
            inst.save()
            log_change(
                actor=request.user,
                action=ChangeLog.Action.CREATE,
                target=inst,
                region_code=inst.region_code,
                changes={"user": [None, inst.user.username], "region": [None, inst.region_id]},
            )
        formset.save_m2m()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
