"""The writing desk: one-field tags, bylines, autosave, presence, conflict page, 403 page."""

from datetime import timedelta
from io import StringIO

import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import demo, services
from articles.admin.conflicts import body_text, word_diff
from articles.models import Article, Autosave, EditLock, Revision, Tag
from tests.articles.test_admin_workflow import change_url, edit_form
from tests.articles.test_services import ready_article
from tests.factories import AuthorFactory, UserFactory


def parse(text):
    return services.parse_tags(text)


class TagParsingTests(TestCase):
    def test_commas_new_lines_spaces_and_quotes(self):
        assert parse('economy,  "New York, NY"\nclimate  change ,\n\n') == [
            "economy",
            "New York, NY",
            "climate change",
        ]

    def test_duplicates_are_dropped_case_insensitively_keeping_the_first(self):
        assert parse("AI, ai, Ai ethics, AI") == ["AI", "Ai ethics"]

    def test_existing_tag_keeps_its_spelling(self):
        Tag.objects.create(name="AI Ethics", slug="ai-ethics")
        assert parse("ai ethics") == ["AI Ethics"]

    def test_100_characters_is_the_limit(self):
        assert parse("x" * 100) == ["x" * 100]
        with self.assertRaisesMessage(ValidationError, "longer than 100 characters"):
            parse("x" * 101)

    def test_markup_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "contains < or >"):
            parse("news, <script>alert(1)</script>")

    def test_punctuation_only_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "needs at least one letter or digit"):
            parse("???")

    def test_unclosed_quote_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "A quote is not closed"):
            parse('"New York, NY')

    def test_very_long_lists_are_refused(self):
        with self.assertRaisesMessage(ValidationError, "at most 50"):
            parse(", ".join(f"tag {i}" for i in range(51)))
        with self.assertRaisesMessage(ValidationError, "too long to be tags"):
            parse("a," * 20_000)


class TagAndBylineFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.first, cls.second = AuthorFactory(name="First"), AuthorFactory(name="Second")
        cls.article = ready_article(draft=True, authors=[cls.first], tags=["old"])

    def setUp(self):
        self.client.force_login(self.editor)

    def post(self, **overrides):
        self.article.refresh_from_db()
        return self.client.post(change_url(self.article), edit_form(self.article, **overrides))

    def test_tags_are_created_inline_and_kept_in_typed_order(self):
        response = self.post(tag_list="Zebra, apple, OLD, Mango")
        assert response.status_code == 302
        self.article.refresh_from_db()
        assert [t.name for t in self.article.ordered_tags] == ["Zebra", "apple", "old", "Mango"]
        assert Tag.objects.filter(name__iexact="old").count() == 1

    def test_hostile_tags_get_a_clear_error_and_nothing_is_saved(self):
        before = Article.objects.filter(pk=self.article.pk).values().get()
        response = self.post(tag_list="fine, <script>x</script>", headline="Changed")
        self.assertContains(response, "contains &lt; or &gt;")
        assert Article.objects.filter(pk=self.article.pk).values().get() == before
        assert [t.name for t in self.article.ordered_tags] == ["old"]
        assert not Tag.objects.filter(name__icontains="script").exists()

    def test_bylines_keep_the_submitted_order(self):
        response = self.post(byline_list=[self.second.pk, self.first.pk])
        assert response.status_code == 302
        assert [b.author for b in self.article.bylines.all()] == [self.second, self.first]

    def test_inactive_author_cannot_be_added(self):
        retired = AuthorFactory(name="Retired Reporter", is_active=False)
        response = self.post(byline_list=[self.first.pk, retired.pk])
        self.assertContains(response, "Retired Reporter is no longer active")
        assert [b.author for b in self.article.bylines.all()] == [self.first]

    def test_inactive_author_already_on_the_byline_stays(self):
        self.first.is_active = False
        self.first.save()
        assert self.post(byline_list=[self.first.pk, self.second.pk]).status_code == 302
        assert [b.author for b in self.article.bylines.all()] == [self.first, self.second]

    def test_tag_suggestions_are_case_insensitive(self):
        Tag.objects.create(name="Energy", slug="energy")
        Tag.objects.create(name="Renewable energy", slug="renewable-energy")
        url = reverse("admin:articles_article_tag_suggestions")
        assert self.client.get(url, {"q": "ENER"}).json() == {
            "tags": ["Energy", "Renewable energy"]
        }


class ChangeFormBudgetTests(TestCase):
    def test_change_form_with_30_tags_stays_under_20_queries(self):
        editor = UserFactory(username="ed", role="Editor")
        article = ready_article(tags=[f"tag {i}" for i in range(30)], authors=[AuthorFactory()])
        self.client.force_login(editor)
        self.client.get(change_url(article))  # the session and lock rows exist from now on
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(change_url(article))
        assert response.status_code == 200
        assert len(ctx) < 20, "\n".join(q["sql"] for q in ctx.captured_queries)
        self.assertContains(response, "tag 29")
        self.assertNotContains(response, 'for="id_loaded_version"')


class AutosaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.other = UserFactory(username="other", role="Writer")
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.author = AuthorFactory(user=cls.writer)
        cls.draft = ready_article(draft=True, authors=[cls.author])
        cls.live = ready_article(authors=[cls.author])

    def autosave(self, article, **overrides):
        article.refresh_from_db()
        url = reverse("admin:articles_article_autosave", args=[article.pk])
        return self.client.post(url, edit_form(article, **overrides))

    def autosaves(self, article):
        return Revision.objects.filter(article=article, is_autosave=True)

    def test_draft_autosave_is_one_rolling_revision_and_never_touches_the_article(self):
        services.record_revision(article=self.draft, by=self.editor, reason="Edited")
        self.client.force_login(self.writer)
        before = Article.objects.filter(pk=self.draft.pk).values().get()
        saved = list(self.draft.revisions.values_list("pk", "number", "data"))
        assert self.autosave(self.draft, headline="Half-typed").status_code == 200
        response = self.autosave(
            self.draft, headline="Half-typed headline", body="<p>x</p><script>"
        )
        assert response.status_code == 200 and "Autosaved" in response.json()["message"]
        # Status, version, updated_at and every other column: exactly as before.
        assert Article.objects.filter(pk=self.draft.pk).values().get() == before
        autosave = self.autosaves(self.draft).get()  # one, replaced in place
        assert autosave.created_by == self.writer and autosave.reason == "Autosave"
        assert autosave.data["headline"] == "Half-typed headline"
        assert "<script" not in autosave.data["body"]
        assert autosave.data["status"] == "draft"
        assert autosave.data["version"] == before["version"]
        assert autosave.number == max((number for _, number, _ in saved), default=0) + 1
        assert (
            list(self.draft.revisions.filter(is_autosave=False).values_list("pk", "number", "data"))
            == saved
        )
        assert not Autosave.objects.exists()  # a draft keeps no second, private copy
        reader = self.client_class()
        assert reader.get(self.draft.get_absolute_url()).status_code == 404

    def test_history_shows_the_autosave_and_an_editor_restores_it(self):
        self.client.force_login(self.writer)
        self.autosave(self.draft, headline="Typed but never saved")
        number = self.autosaves(self.draft).get().number
        self.client.force_login(self.editor)
        history = self.client.get(reverse("admin:articles_article_revisions", args=[self.draft.pk]))
        self.assertContains(history, "<strong>Autosave</strong> (typed, not saved yet)")
        restore = reverse("admin:articles_article_restore", args=[self.draft.pk, number])
        self.assertContains(history, f'action="{restore}"')
        version = self.draft.version
        assert self.client.post(restore).status_code == 302
        self.draft.refresh_from_db()
        assert self.draft.headline == "Typed but never saved"
        assert self.draft.status == Article.Status.DRAFT and self.draft.version == version + 1
        assert not self.autosaves(self.draft).exists()
        assert self.draft.revisions.first().reason == f"Restored from #{number}"

    def test_writer_restores_the_draft_autosave_in_the_form_and_saves_without_conflict(self):
        self.client.force_login(self.writer)
        self.autosave(self.draft, headline="Back from the autosave", tag_list="alpha, beta")
        self.assertContains(self.client.get(change_url(self.draft)), "Restore unsaved changes?")
        restored = self.client.get(change_url(self.draft) + "?restore=1")
        self.assertContains(restored, 'id="id_headline">\nBack from the autosave</textarea>')
        self.assertContains(restored, "alpha, beta")
        version = self.draft.version
        form = edit_form(self.draft, headline="Back from the autosave", tag_list="alpha, beta")
        assert self.client.post(change_url(self.draft), form).status_code == 302
        self.draft.refresh_from_db()
        assert self.draft.headline == "Back from the autosave"
        assert self.draft.version == version + 1
        assert not self.autosaves(self.draft).exists()
        assert not self.draft.revisions.filter(reason="Autosave").exists()

    def test_an_autosave_is_not_the_base_or_the_last_edit_of_a_conflict(self):
        services.record_revision(article=self.draft, by=self.writer, reason="Edited")
        self.client.force_login(self.writer)
        stale = edit_form(self.draft, standfirst="My standfirst")
        self.autosave(self.draft, headline="Writer's unsaved headline")
        self.client.force_login(self.editor)
        mine = edit_form(self.draft, headline="Editor's headline")
        assert self.client.post(change_url(self.draft), mine).status_code == 302
        self.client.force_login(self.writer)
        response = self.client.post(change_url(self.draft), stale)
        self.assertContains(response, "after you opened it (ed,", status_code=409)
        # Only the editor changed the headline since the writer's version: theirs by default.
        self.assertContains(
            response, 'name="_resolve_headline" value="theirs" checked', status_code=409
        )

    def test_live_article_autosave_is_invisible_to_readers_and_offered_back(self):
        self.client.force_login(self.editor)
        before = Article.objects.filter(pk=self.live.pk).values().get()
        assert self.autosave(self.live, headline="Unsaved correction").status_code == 200
        assert Article.objects.filter(pk=self.live.pk).values().get() == before
        self.live.refresh_from_db()
        page = self.client_class().get(self.live.get_absolute_url())
        self.assertContains(page, self.live.headline)
        self.assertNotContains(page, "Unsaved correction")
        assert self.live.status == Article.Status.PUBLISHED and self.live.version == 1
        assert not Revision.objects.filter(is_autosave=True).exists()  # history: what was saved
        assert Autosave.objects.get(article=self.live).data["headline"] == "Unsaved correction"
        form = self.client.get(change_url(self.live))
        self.assertContains(form, "Restore unsaved changes?")
        restored = self.client.get(change_url(self.live) + "?restore=1")
        self.assertContains(restored, 'id="id_headline">\nUnsaved correction</textarea>')
        self.assertContains(restored, "are back in the form")

    def test_saving_drops_the_copy(self):
        self.client.force_login(self.writer)
        self.autosave(self.draft, headline="Typed")
        self.draft.refresh_from_db()
        response = self.client.post(change_url(self.draft), edit_form(self.draft))
        assert response.status_code == 302
        assert not Autosave.objects.exists()
        assert not Revision.objects.filter(is_autosave=True).exists()

    def test_other_writer_is_refused_and_nothing_is_stored(self):
        self.client.force_login(self.other)
        response = self.autosave(self.draft, headline="Hijack")
        # The one view rule: another writer's draft is not there for them at all.
        assert response.status_code == 404
        assert not Autosave.objects.exists()
        assert not Revision.objects.filter(is_autosave=True).exists()

    def test_writer_cannot_autosave_a_live_article(self):
        self.client.force_login(self.writer)
        assert self.autosave(self.live, headline="Sneaky").status_code == 403
        assert not Autosave.objects.exists()

    def test_autosave_without_csrf_token_is_refused(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.writer)
        url = reverse("admin:articles_article_autosave", args=[self.draft.pk])
        assert client.post(url, edit_form(self.draft)).status_code == 403
        assert not Autosave.objects.exists()

    def test_conflict_and_invalid_input_pause_autosave(self):
        self.client.force_login(self.writer)
        stale = edit_form(self.draft, loaded_version=self.draft.version - 1 or 99)
        url = reverse("admin:articles_article_autosave", args=[self.draft.pk])
        assert self.client.post(url, stale).status_code == 409
        bad = self.autosave(self.draft, tag_list="<b>")
        assert bad.status_code == 400 and "tag_list" in bad.json()["errors"]
        assert not Autosave.objects.exists()

    def test_new_article_autosave_is_restored_on_the_add_page(self):
        self.client.force_login(self.writer)
        url = reverse("admin:articles_article_autosave_new")
        data = {"headline": "A story not yet saved", "byline_list": [self.author.pk]}
        assert self.client.post(url, data).status_code == 200
        add = reverse("admin:articles_article_add")
        self.assertContains(self.client.get(add), "Restore unsaved changes?")
        self.assertContains(
            self.client.get(add + "?restore=1"),
            'id="id_headline">\nA story not yet saved</textarea>',
        )
        assert not Article.objects.filter(headline="A story not yet saved").exists()


class SeedChangeFormBudgetTests(TestCase):
    """The demo's seed article (30 tags, a lead image, a byline) for a signed-in editor."""

    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        cls.article = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])

    def test_seed_article_change_form_costs_under_20_queries_each_row_read_once(self):
        self.client.force_login(UserFactory(username="ed", role="Editor"))
        self.client.get(change_url(self.article))  # the session and lock rows exist from now on
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(change_url(self.article))
        assert response.status_code == 200
        queries = [q["sql"] for q in ctx.captured_queries]
        assert len(queries) < 20, "\n".join(queries)
        reads = [q for q in queries if q.startswith('SELECT "articles_article"."id"')]
        assert len(reads) == 1, reads  # the article, read once for the admin and the desk
        self.assertContains(response, demo.SEED_ARTICLE["image_alt"])


class PresenceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.anna = UserFactory(username="anna", role="Editor")
        cls.ben = UserFactory(username="ben", role="Editor")
        cls.article = ready_article(draft=True)

    def beat(self, user, **data):
        self.client.force_login(user)
        url = reverse("admin:articles_article_presence", args=[self.article.pk])
        return self.client.post(url, data).json()

    def test_heartbeat_shows_who_is_editing_and_leaving_clears_it(self):
        assert self.beat(self.anna) == {"editing": None, "editors": []}
        assert self.beat(self.ben)["editing"] == "anna"
        assert self.beat(self.anna, leave="1") == {"editing": None, "editors": []}
        assert self.beat(self.ben) == {"editing": None, "editors": []}
        assert EditLock.objects.get().user == self.ben

    def test_the_first_editor_is_told_when_a_second_one_opens_the_story(self):
        assert self.beat(self.anna)["editors"] == []
        assert self.beat(self.ben)["editors"] == ["anna"]
        answer = self.beat(self.anna)
        assert answer["editors"] == ["ben"]
        assert answer["message"].startswith("ben is editing since ")
        carl = UserFactory(username="carl", role="Editor")
        assert self.beat(carl)["editors"] == ["anna", "ben"]
        assert " and carl (since " in self.beat(self.anna)["message"]

    def test_lock_without_heartbeat_is_gone_within_a_minute(self):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            self.beat(self.anna)
        with time_machine.travel(start + timedelta(seconds=61), tick=False):
            assert self.beat(self.ben) == {"editing": None, "editors": []}


class ConflictPageTests(TestCase):
    def test_word_diff_marks_only_changed_words_and_escapes(self):
        theirs, yours = word_diff("The grid <b>holds</b> firm", "The grid buckles")
        assert "<del>&lt;b&gt;holds&lt;/b&gt; firm</del>" in theirs
        assert "<ins>buckles</ins>" in yours and theirs.startswith("The grid ")

    def test_body_is_compared_as_text(self):
        assert body_text("<p>One &amp; two</p><ul><li>three</li></ul>") == "One & two\nthree"

    def test_conflict_page_shows_the_body_as_text_not_html(self):
        editor = UserFactory(username="ed", role="Editor")
        article = ready_article(draft=True, body="<p>Original words here.</p>")
        stale = edit_form(article, body="<p>My new words here.</p>")
        services.claim_version(article=article, loaded_version=article.version)
        Article.objects.filter(pk=article.pk).update(body="<p>Their new words here.</p>")
        self.client.force_login(editor)
        response = self.client.post(change_url(article), stale)
        assert response.status_code == 409
        self.assertContains(response, "<del>Their</del>", status_code=409)
        self.assertContains(response, "<ins>My</ins>", status_code=409)
        # Only the hidden input that carries their version holds markup; the shown text has none.
        self.assertNotContains(response, 'theirs">&lt;p', status_code=409)
        self.assertNotContains(response, "<p>Their", status_code=409)


class AdminNamingAnd403Tests(TestCase):
    def test_header_names_the_publication_and_breadcrumb_reads_stories(self):
        editor = UserFactory(username="ed", role="Editor")
        article = ready_article(draft=True, headline="Budget day")
        self.client.force_login(editor)
        response = self.client.get(change_url(article))
        self.assertContains(response, '<a href="/admin/">Newsroom desk</a>')
        self.assertNotContains(response, "Newsroom newsroom")
        self.assertContains(response, 'admin/articles/article/">Articles</a>')

    def test_admin_home_names_every_app_in_words(self):
        self.client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
        response = self.client.get(reverse("admin:index"))
        for name in ("Newsroom", "Login attempts", "Second factor: backup codes"):
            self.assertContains(response, name)
        self.assertContains(response, "Second factor: authenticator apps")
        for label in (">Otp_static<", ">Otp_totp<", ">Axes<", ">Articles</a></caption>"):
            self.assertNotContains(response, label)

    def test_header_follows_the_publication_settings_when_they_change(self):
        from articles.publication import save_publication
        from articles.publication.models import Publication

        self.client.force_login(UserFactory(username="ed2", role="Editor"))
        with self.captureOnCommitCallbacks(execute=True):
            save_publication(publication=Publication(name="Example Gazette"))
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, '<a href="/admin/">Example Gazette desk</a>')
        self.assertContains(response, "<title>Articles, people and ads | Example Gazette</title>")

    def test_forged_post_gets_an_admin_page_saying_why(self):
        writer = UserFactory(username="wr", role="Writer")
        article = ready_article(in_review=True, authors=[AuthorFactory(user=writer)])
        self.client.force_login(writer)
        url = reverse("admin:articles_article_transition", args=[article.pk, "publish"])
        response = self.client.post(url)
        assert response.status_code == 403
        self.assertContains(response, services.EDITORS_ONLY, status_code=403)
        self.assertContains(response, "nothing was changed", status_code=403)
        self.assertContains(response, 'id="site-name"', status_code=403)
        article.refresh_from_db()
        assert article.status == Article.Status.IN_REVIEW
