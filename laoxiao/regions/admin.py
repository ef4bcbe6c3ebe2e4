from django.contrib import admin

from laoxiao.regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "is_rural")
    list_filter = ("level", "is_rural")
    search_fields = ("code", "name")
    readonly_fields = ("code", "name", "level", "parent", "is_rural", "lon", "lat")

    def has_add_permission(self, request):
        return False  # regions are loaded with `laoxiao import regions`, which logs every change

    def has_delete_permission(self, request, obj=None):
        return False
