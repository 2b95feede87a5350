"""The writing desk's background calls from the open change form: autosave, presence, tags.

Each is a POST (or, for suggestions, a GET) inside the admin, CSRF-protected, answering JSON,
and checks on the server that the user may edit the article (`services.can_edit`): a forged
or other writer's request gets 403 and nothing is stored.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache

from articles import services
from articles.admin.site import publication_name
from articles.models import Article, Tag
from articles.services.locks import HEARTBEAT_SECONDS

SUGGESTIONS = 10


def autosave_seconds():
    """How often the open form autosaves (settings.NEWSROOM_AUTOSAVE_SECONDS, default 30)."""
    return int(getattr(settings, "NEWSROOM_AUTOSAVE_SECONDS", 30))


def heartbeat_seconds():
    """How often the open form says it is still open (NEWSROOM_HEARTBEAT_SECONDS, default 20)."""
    return int(getattr(settings, "NEWSROOM_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))


def _who(user):
    return user.get_full_name() or user.username


class DeskViewsMixin:
    """Mixed into ArticleAdmin: the change form's JSON endpoints and its desk context."""

    def desk_urls(self):
        from django.urls import path

        def wrap(view):
            return never_cache(self.admin_site.admin_view(view))

        return [
            path("autosave/", wrap(self.autosave_view), name="articles_article_autosave_new"),
            path("<int:pk>/autosave/", wrap(self.autosave_view), name="articles_article_autosave"),
            path("<int:pk>/presence/", wrap(self.presence_view), name="articles_article_presence"),
            path(
                "tags/suggest/",
                wrap(self.tag_suggestions_view),
                name="articles_article_tag_suggestions",
            ),
        ]

    def desk_context(self, request, article):
        """What desk.js needs on the form, and the autosave to offer back."""
        pk = article.pk if article else None
        autosave = services.autosave_for(article=article, user=request.user)
        if (
            autosave
            and article
            and autosave.saved_at < article.updated_at
            and (autosave.loaded_version == article.version)
        ):
            autosave = None  # saved since, from this very version: nothing unsaved is left
        return {
            "desk_autosave_url": reverse("admin:articles_article_autosave", args=[pk])
            if pk
            else reverse("admin:articles_article_autosave_new"),
            "desk_presence_url": reverse("admin:articles_article_presence", args=[pk])
            if pk
            else "",
            "desk_autosave_seconds": autosave_seconds(),
            "desk_heartbeat_seconds": heartbeat_seconds(),
            "desk_site_name": publication_name(),
            "autosave_offer": autosave,
            "restored": getattr(request, "_desk_restored", None),
        }

    def restored_initial(self, request, article):
        """Form initial data from the user's autosave, when they chose "Restore"."""
        if request.method != "GET" or request.GET.get("restore") != "1":
            return None
        autosave = services.autosave_for(article=article, user=request.user)
        if autosave is None:
            return None
        request._desk_restored = autosave
        initial = dict(autosave.data)
        if "tag_list" in initial:
            initial["tag_list"] = services.format_tags(initial["tag_list"])
        if article is not None and autosave.loaded_version:
            # Saving restored text from an older version must show the conflict page.
            initial["loaded_version"] = autosave.loaded_version
        return initial

    def _editable(self, request, pk):
        if pk is None:
            if not self.has_add_permission(request):
                raise PermissionDenied(services.NOT_EDITABLE)
            return None
        # The one view rule: an article the user may not see is not there at all (404).
        article = get_object_or_404(Article.objects.visible_to(request.user).with_bylines(), pk=pk)
        if not services.can_edit(request.user, article):
            raise PermissionDenied(services.NOT_EDITABLE)
        return article

    def autosave_view(self, request, pk=None):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._editable(request, pk)
        if request.POST.get("discard") == "1":
            services.discard_autosave(article=article, user=request.user)
            return JsonResponse({"discarded": True, "message": "Unsaved changes discarded."})
        loaded = _int(request.POST.get("loaded_version"))
        if article is not None and loaded != article.version:
            return JsonResponse({"message": services.AUTOSAVE_CONFLICT}, status=409)
        form_class = self.get_form(request, article, change=article is not None)
        form = form_class(request.POST, instance=article or Article())
        form.is_valid()
        # A half-written story is fine (empty required fields); a wrong value pauses autosave.
        errors = {
            field: [str(e) for e in field_errors]
            for field, field_errors in form.errors.items()
            if field in services.AUTOSAVE_FIELDS and _filled(request.POST, field)
        }
        if errors:
            return JsonResponse(
                {"message": services.AUTOSAVE_INVALID, "errors": errors}, status=400
            )
        data = {}
        for field in services.AUTOSAVE_FIELDS:
            if field in form.cleaned_data:
                value = form.cleaned_data[field]
                if field == "byline_list":
                    value = [author.pk for author in value]
                elif field == "section":
                    value = value.pk if value else None
                data[field] = value
            elif field in request.POST and field not in ("byline_list", "tag_list", "section"):
                data[field] = request.POST.get(field, "")
        autosave = services.save_autosave(
            article=article, by=request.user, data=data, loaded_version=loaded
        )
        saved = date_format(timezone.localtime(autosave.saved_at), "H:i:s")
        return JsonResponse(
            {"saved_at": autosave.saved_at.isoformat(), "message": f"Autosaved at {saved}."}
        )

    def presence_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._editable(request, pk)
        if request.POST.get("leave") == "1":
            services.leave_edit_lock(article=article, user=request.user)
            return JsonResponse({"editing": None, "editors": []})
        # Everyone with the form open hears about everyone else: the first and the later ones.
        others = services.touch_edit_lock(article=article, user=request.user)
        if not others:
            return JsonResponse({"editing": None, "editors": []})
        return JsonResponse(
            {
                "editing": _who(others[0].user),
                "editors": [_who(lock.user) for lock in others],
                "message": services.describe_editors(others),
            }
        )

    def tag_suggestions_view(self, request):
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        term = " ".join(request.GET.get("q", "").split())[:100]
        if not term:
            return JsonResponse({"tags": []})
        starting = list(
            Tag.objects.filter(name__istartswith=term)
            .order_by("name")
            .values_list("name", flat=True)[:SUGGESTIONS]
        )
        containing = (
            Tag.objects.filter(name__icontains=term)
            .exclude(name__istartswith=term)
            .order_by("name")
            .values_list("name", flat=True)[: SUGGESTIONS - len(starting)]
            if len(starting) < SUGGESTIONS
            else []
        )
        return JsonResponse({"tags": starting + list(containing)})


def _filled(post, field):
    return any(value.strip() for value in post.getlist(field))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
