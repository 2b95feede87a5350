"""Every admin URL for articles, for every role: who gets in, who is refused, and what changes."""

from datetime import timedelta

from django.contrib import admin
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import (
    Article,
    AuditEntry,
    Autosave,
    EditLock,
    OldSlug,
    PreviewToken,
    Revision,
)
from tests.articles.test_admin_workflow import edit_form
from tests.articles.test_services import STATUS_TRAITS, ready_article
from tests.factories import AuthorFactory, UserFactory

S = Article.Status
ROLES = ["writer_own", "writer_other", "editor", "ad_manager", "anonymous"]
LOGIN = "login"  # anonymous users are sent to the admin login page

# (URL name, transition or None, method, status the article starts in): expected response per
# role, in the order of ROLES. 200/302 where allowed; 403, 404, a login redirect or a "no such
# article" redirect (302) where refused, and then the database must be unchanged. The one view
# rule (docs/security.md): another writer's unpublished article does not exist for a writer.
MATRIX = {
    ("changelist", None, "get", S.DRAFT): (200, 200, 200, 200, LOGIN),
    ("add", None, "get", S.DRAFT): (200, 200, 200, 403, LOGIN),
    ("change", None, "get", S.DRAFT): (200, 302, 200, 302, LOGIN),
    ("change", None, "post", S.DRAFT): (302, 302, 302, 302, LOGIN),
    ("delete", None, "post", S.DRAFT): (403, 403, 302, 403, LOGIN),
    ("history", None, "get", S.DRAFT): (200, 302, 200, 302, LOGIN),
    ("dashboard", None, "get", S.DRAFT): (200, 200, 200, 403, LOGIN),
    ("revisions", None, "get", S.DRAFT): (200, 404, 200, 404, LOGIN),
    ("diff", None, "get", S.DRAFT): (200, 404, 200, 404, LOGIN),
    # A writer restores revisions of a draft they may edit, and only that (issue 23).
    ("restore", None, "post", S.DRAFT): (302, 404, 302, 404, LOGIN),
    ("restore", None, "post", S.IN_REVIEW): (403, 404, 302, 404, LOGIN),
    ("preview", None, "get", S.DRAFT): (200, 404, 200, 404, LOGIN),
    ("preview", None, "post", S.DRAFT): (200, 404, 200, 404, LOGIN),
    ("share_preview", None, "post", S.DRAFT): (302, 404, 302, 404, LOGIN),
    ("revoke_preview", None, "post", S.DRAFT): (302, 404, 302, 404, LOGIN),
    ("take_over", None, "post", S.DRAFT): (403, 404, 302, 404, LOGIN),
    ("autosave", None, "post", S.DRAFT): (200, 404, 200, 404, LOGIN),
    ("autosave", None, "post", S.PUBLISHED): (403, 403, 200, 403, LOGIN),
    ("autosave_new", None, "post", S.DRAFT): (200, 200, 200, 403, LOGIN),
    ("presence", None, "post", S.DRAFT): (200, 404, 200, 404, LOGIN),
    ("tag_suggestions", None, "get", S.DRAFT): (200, 200, 200, 403, LOGIN),
    ("transition", "submit", "post", S.DRAFT): (302, 404, 302, 404, LOGIN),
    ("transition", "withdraw", "post", S.IN_REVIEW): (302, 404, 302, 404, LOGIN),
    ("transition", "send_back", "post", S.IN_REVIEW): (403, 404, 302, 404, LOGIN),
    ("transition", "publish", "post", S.IN_REVIEW): (403, 404, 302, 404, LOGIN),
    ("transition", "schedule", "post", S.IN_REVIEW): (403, 404, 302, 404, LOGIN),
    ("transition", "cancel_schedule", "post", S.SCHEDULED): (403, 404, 302, 404, LOGIN),
    ("transition", "unpublish", "post", S.PUBLISHED): (403, 403, 302, 403, LOGIN),
    ("transition", "revert_to_draft", "post", S.UNPUBLISHED): (403, 404, 302, 404, LOGIN),
}
# What a successful transition posts with it.
TRANSITION_DATA = {
    "send_back": {"note": "Needs work."},
    "schedule": {"schedule-publish_at": "2099-01-01 09:00:00"},
}
# Allowed cells that must change the article's status (the others may only add rows).
TARGETS = {action: t.target for action, t in services.TRANSITIONS.items()}


def fingerprint():
    """The whole workflow state, to prove a refused request changed nothing."""
    articles = list(Article.objects.order_by("pk").values())
    for row in articles:
        row.pop("updated_at")
    counts = [m.objects.count() for m in (Revision, AuditEntry, PreviewToken, OldSlug, Autosave)]
    locks = list(EditLock.objects.values_list("article_id", "user_id"))
    return articles, counts, locks


class AdminMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.users = {
            "writer_own": UserFactory(username="own", role="Writer"),
            "writer_other": UserFactory(username="other", role="Writer"),
            "editor": UserFactory(username="ed", role="Editor"),
            "ad_manager": UserFactory(username="ads", role="Ad manager"),
        }
        cls.author = AuthorFactory(user=cls.users["writer_own"])

    def make_article(self, status):
        writer = self.users["writer_own"]
        article = ready_article(authors=[self.author], **STATUS_TRAITS[status])
        services.record_revision(article=article, by=writer, reason="Created")
        services.record_revision(article=article, by=writer, reason="Edited")
        self.token = PreviewToken.objects.create(
            article=article,
            key=f"k{article.pk}",
            created_by=writer,
            expires_at=timezone.now() + timedelta(days=1),
        )
        return article

    def url(self, name, action, article):
        args = {
            "changelist": [],
            "add": [],
            "dashboard": [],
            "autosave_new": [],
            "tag_suggestions": [],
            "transition": [article.pk, action],
            "restore": [article.pk, 1],
            "revoke_preview": [article.pk, self.token.pk],
        }.get(name, [article.pk])
        url = reverse(f"admin:articles_article_{name}", args=args)
        return url + "?a=1&b=2" if name == "diff" else url

    def data(self, name, action, article):
        if name == "tag_suggestions":
            return {"q": "a"}
        if name == "autosave_new":
            return edit_form(article, headline="A new story", slug="a-new-story")
        if name in ("change", "preview", "autosave"):
            return edit_form(article, headline="Matrix edit")
        if name == "delete":
            return {"post": "yes"}
        return TRANSITION_DATA.get(action, {})

    def test_every_role_gets_exactly_what_the_matrix_says(self):
        for (name, action, method, status), expected in MATRIX.items():
            for role, code in zip(ROLES, expected, strict=True):
                with self.subTest(url=name, action=action, method=method, role=role):
                    self.client.logout()
                    if role != "anonymous":
                        self.client.force_login(self.users[role])
                    article = self.make_article(status)
                    before = fingerprint()
                    url = self.url(name, action, article)
                    response = getattr(self.client, method)(url, self.data(name, action, article))
                    if code == LOGIN:
                        assert response.status_code == 302
                        assert response["Location"].startswith("/admin/login/")
                    else:
                        assert response.status_code == code, response.content[:300]
                    refused = code in (LOGIN, 403, 404) or (
                        code == 302 and role in ("ad_manager", "writer_other")
                    )
                    if refused and method == "post":
                        assert fingerprint() == before
                    if name.startswith("autosave") and not refused:
                        # An autosave changes no article; a draft's is one autosave revision,
                        # a live or new article's a private copy.
                        assert fingerprint()[0] == before[0]
                        revisions, *_, autosaves = fingerprint()[1]
                        if status != S.PUBLISHED and name == "autosave":
                            assert (revisions, autosaves) == (before[1][0] + 1, before[1][-1])
                            assert Revision.objects.filter(
                                article=article, is_autosave=True
                            ).exists()
                        else:
                            assert (revisions, autosaves) == (before[1][0], before[1][-1] + 1)
                    if name == "transition" and not refused:
                        assert Article.objects.get(pk=article.pk).status == TARGETS[action]

    def test_every_admin_url_for_articles_has_a_row(self):
        model_admin = admin.site._registry[Article]
        names = {
            pattern.name.removeprefix("articles_article_")
            for pattern in model_admin.get_urls()
            if pattern.name
        }
        covered = {name for name, _, _, _ in MATRIX}
        assert names == covered, f"URLs without a matrix row: {names - covered}"
        transitions = {action for name, action, _, _ in MATRIX if name == "transition"}
        assert transitions == set(services.TRANSITION_FUNCTIONS)
        unnamed = [p for p in model_admin.get_urls() if not p.name]
        # Only Django's old-style change URL redirect is unnamed; it leads to "change".
        assert [str(p.pattern) for p in unnamed] == ["<path:object_id>/"]

    def test_log_pages_for_roles(self):
        for url_name in ["articles_auditentry_changelist", "articles_revision_changelist"]:
            url = reverse(f"admin:{url_name}")
            for role, code in [
                ("editor", 200),
                ("writer_own", 200 if "revision" in url_name else 403),
                ("ad_manager", 403),
            ]:
                with self.subTest(url=url_name, role=role):
                    self.client.force_login(self.users[role])
                    assert self.client.get(url).status_code == code


class RoleGroupTests(TestCase):
    def test_no_role_group_may_manage_users_groups_or_permissions(self):
        from django.contrib.auth.models import Group

        for group in Group.objects.all():
            with self.subTest(group=group.name):
                assert not group.permissions.filter(content_type__app_label="auth").exists()

    def test_only_editors_hold_the_publish_permission(self):
        from django.contrib.auth.models import Group

        holders = Group.objects.filter(permissions__codename="publish_article")
        assert [g.name for g in holders] == ["Editor"]

    def test_ad_manager_sees_only_published_articles(self):
        ready_article(headline="Live story")
        ready_article(draft=True, headline="Secret draft")
        self.client.force_login(UserFactory(username="ads", role="Ad manager"))
        response = self.client.get(reverse("admin:articles_article_changelist"))
        self.assertContains(response, "Live story")
        self.assertNotContains(response, "Secret draft")
