"""Issue 12, holes 2 and 3: the one view rule (docs/security.md), tested as a matrix.

An article is visible to editors always; to writers when it is public or theirs; to everyone
else (ad managers, readers) only when it is public. Every surface that can show an article's
headline or body follows it: the change form, changelist, admin history, public URL, preview,
revision history, diff, share link, autocomplete and dashboard. A refused surface answers
302 ("does not exist"), 403 or 404, shows neither the headline nor the body, and a refused POST
changes nothing.
"""

from django.test import TestCase
from django.urls import reverse

from ads.models import Sponsorship
from articles import services
from articles.models import Article, PreviewToken
from tests.articles.test_services import STATUS_TRAITS, ready_article
from tests.factories import AuthorFactory, UserFactory

S = Article.Status
ROLES = ["owner", "other_writer", "editor", "ad_manager", "anonymous"]


def sees(role, article):
    """The rule, restated independently of the code under test."""
    if role == "editor":
        return True
    if role == "owner":
        return True
    return article.status == S.PUBLISHED


def works_on(role, article):
    """Preview, history, diff and share links: editors and owners only, whatever the status."""
    return role in ("editor", "owner")


# name: (method, URL for the article, which rule applies)
SURFACES = {
    "change form": ("get", lambda a: reverse("admin:articles_article_change", args=[a.pk]), sees),
    "admin history": (
        "get",
        lambda a: reverse("admin:articles_article_history", args=[a.pk]),
        sees,
    ),
    "changelist search": (
        "get",
        lambda a: reverse("admin:articles_article_changelist") + f"?q={a.slug}",
        sees,
    ),
    "public URL": ("get", lambda a: a.get_absolute_url(), sees),
    "preview": ("get", lambda a: reverse("admin:articles_article_preview", args=[a.pk]), works_on),
    "revision history": (
        "get",
        lambda a: reverse("admin:articles_article_revisions", args=[a.pk]),
        works_on,
    ),
    "diff": (
        "get",
        lambda a: reverse("admin:articles_article_diff", args=[a.pk]) + "?a=1&b=2",
        works_on,
    ),
    "share link": (
        "post",
        lambda a: reverse("admin:articles_article_share_preview", args=[a.pk]),
        works_on,
    ),
    "dashboard": ("get", lambda a: reverse("admin:articles_article_dashboard"), None),
    "autocomplete": (
        "get",
        lambda a: (
            reverse("admin:autocomplete")
            + f"?app_label=ads&model_name=sponsorship&field_name=article&term={a.slug}"
        ),
        sees,
    ),
}


class ViewRuleMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.users = {
            "owner": UserFactory(username="owner", role="Writer"),
            "other_writer": UserFactory(username="other", role="Writer"),
            "editor": UserFactory(username="ed", role="Editor"),
            "ad_manager": UserFactory(username="ads", role="Ad manager"),
        }
        author = AuthorFactory(user=cls.users["owner"])
        cls.articles = []
        for status, traits in STATUS_TRAITS.items():
            article = ready_article(
                authors=[author],
                headline=f"RULE headline {status}",
                slug=f"rule-{status.replace('_', '-')}",
                body=f"<p>RULE body {status}</p>",
                **traits,
            )
            services.record_revision(article=article, by=cls.users["owner"], reason="Created")
            services.record_revision(article=article, by=cls.users["owner"], reason="Edited")
            cls.articles.append(article)

    def login(self, role):
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.users[role])

    def expected(self, surface, role, article):
        rule = SURFACES[surface][2]
        if role == "anonymous":
            return surface == "public URL" and article.status == S.PUBLISHED
        if surface == "dashboard":
            # The dashboard lists a selection (my drafts, the queue, recent); of what the user
            # may see it need not list everything, of what they may not it lists nothing.
            return None if sees(role, article) else False
        if role == "ad_manager" and rule is works_on:
            return False
        return rule(role, article)

    def test_every_role_sees_every_surface_by_the_one_rule(self):
        for article in self.articles:
            for surface, (method, url_for, _) in SURFACES.items():
                for role in ROLES:
                    allowed = self.expected(surface, role, article)
                    with self.subTest(status=article.status, surface=surface, role=role):
                        self.login(role)
                        tokens = PreviewToken.objects.count()
                        response = getattr(self.client, method)(url_for(article))
                        body = response.content.decode()
                        if surface == "share link":
                            refused = 404 if not sees(role, article) else 403
                            code = 302 if allowed or role == "anonymous" else refused
                            assert response.status_code == code
                            assert PreviewToken.objects.count() == tokens + int(allowed)
                            continue
                        if allowed is None:
                            assert response.status_code in (200, 403)
                        elif allowed:
                            assert response.status_code == 200, (response.status_code, body[:200])
                            assert article.headline in body
                        else:
                            assert article.headline not in body
                            assert f"RULE body {article.status}" not in body
                            assert response.status_code in (200, 302, 403, 404)
                            if surface not in ("dashboard", "changelist search", "autocomplete"):
                                assert response.status_code != 200

    def test_refused_surfaces_answer_as_if_the_article_did_not_exist(self):
        """Another writer's draft: the same answer as an article id that does not exist."""
        draft = self.articles[0]
        assert draft.status == S.DRAFT
        self.login("other_writer")
        for surface in ("preview", "revision history", "diff"):
            with self.subTest(surface=surface):
                assert self.client.get(SURFACES[surface][1](draft)).status_code == 404
        change = self.client.get(SURFACES["change form"][1](draft))
        missing = self.client.get(reverse("admin:articles_article_change", args=[10**9]))
        assert (change.status_code, change["Location"]) == (302, missing["Location"])


class SponsorshipRuleTests(TestCase):
    """Hole 2: ad managers attach sponsorships only to articles they may see."""

    @classmethod
    def setUpTestData(cls):
        cls.ad_manager = UserFactory(username="ads", role="Ad manager")
        cls.draft = ready_article(draft=True, headline="Secret merger story")
        cls.live = ready_article(headline="Live travel story")

    def post(self, article):
        return self.client.post(
            reverse("admin:ads_sponsorship_add"),
            {"article": article.pk, "sponsor_name": "Acme", "label": "Sponsored by"},
        )

    def test_ad_manager_cannot_attach_a_sponsorship_to_a_draft(self):
        self.client.force_login(self.ad_manager)
        response = self.post(self.draft)
        assert response.status_code == 200
        self.assertContains(response, "Select a valid choice")
        self.assertNotContains(response, "Secret merger story")
        assert not Sponsorship.objects.exists()

    def test_ad_manager_can_attach_a_sponsorship_to_a_live_article(self):
        self.client.force_login(self.ad_manager)
        assert self.post(self.live).status_code == 302
        assert Sponsorship.objects.get().article == self.live

    def test_sponsorship_list_never_shows_a_draft_headline(self):
        Sponsorship.objects.create(article=self.draft, sponsor_name="Acme")
        Sponsorship.objects.create(article=self.live, sponsor_name="Globex")
        self.client.force_login(self.ad_manager)
        response = self.client.get(reverse("admin:ads_sponsorship_changelist"))
        self.assertContains(response, "Live travel story")
        self.assertNotContains(response, "Secret merger story")
        hidden = Sponsorship.objects.get(article=self.draft)
        url = reverse("admin:ads_sponsorship_change", args=[hidden.pk])
        assert self.client.get(url).status_code == 302

    def test_autocomplete_offers_only_live_articles(self):
        self.client.force_login(self.ad_manager)
        url = reverse("admin:autocomplete")
        query = "?app_label=ads&model_name=sponsorship&field_name=article&term=story"
        data = self.client.get(url + query).json()
        assert [item["text"] for item in data["results"]] == ["Live travel story"]
