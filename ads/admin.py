from django.contrib import admin

from ads.models import AdSlot, Creative


class CreativeInline(admin.TabularInline):
    model = Creative
    fields = ["name", "kind", "starts_at", "ends_at", "is_active"]
    extra = 0


@admin.register(AdSlot)
class AdSlotAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "size", "label", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    inlines = [CreativeInline]

    @admin.display(description="Size")
    def size(self, obj):
        return f"{obj.width}×{obj.height}"


@admin.register(Creative)
class CreativeAdmin(admin.ModelAdmin):
    list_display = ["name", "slot", "kind", "starts_at", "ends_at", "is_active"]
    list_filter = ["kind", "is_active", "slot"]
    search_fields = ["name", "slot__code", "slot__name"]
    list_select_related = ["slot"]
