"""Workflow transitions as changelist actions (with an input page where one is needed)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from articles import services
from articles.admin.forms import INPUT_FORMS


def _transition_action(action):
    def run(modeladmin, request, queryset):
        kwargs = {}
        if action in INPUT_FORMS:
            form = INPUT_FORMS[action](request.POST if "apply" in request.POST else None)
            if not form.is_valid():
                context = {
                    **modeladmin.admin_site.each_context(request),
                    "opts": modeladmin.opts,
                    "title": f"{label}: {queryset.count()} article(s)",
                    "form": form,
                    "articles": queryset,
                    "action": f"transition_{action}",
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                }
                return TemplateResponse(request, "articles/action_input.html", context)
            kwargs = {
                "schedule": lambda d: {
                    "publish_at": d["publish_at"],
                    "unpublish_at": d["unpublish_at"],
                },
                "send_back": lambda d: {"note": d["note"]},
            }[action](form.cleaned_data)
        done, refused = 0, []
        for article in queryset:
            try:
                services.TRANSITION_FUNCTIONS[action](article=article, by=request.user, **kwargs)
                done += 1
            except (PermissionDenied, ValidationError) as exc:
                refused.append(f"{article}: {' '.join(_messages(exc))}")
        if done:
            modeladmin.message_user(request, f"{label}: {done} article(s).", messages.SUCCESS)
        for message in refused:
            modeladmin.message_user(request, message, messages.ERROR)
        return None

    label = services.TRANSITIONS[action].label
    run.__name__ = f"transition_{action}"
    return admin.action(description=f"{label} (selected articles)")(run)


def _messages(exc):
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc) or "Not allowed."]


# Every transition a person takes is also a list action (the scheduler's are not).
LIST_ACTIONS = list(services.TRANSITION_FUNCTIONS)
