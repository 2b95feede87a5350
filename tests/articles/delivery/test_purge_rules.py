"""Every model a public page shows purges those pages when it is edited anywhere (admin,
shell, services): the app registry is walked, so a new model needs a purge rule or a reason
it never reaches a reader. Image edits, field by field, purge every page showing the image."""

from datetime import timedelta

import time_machine
from django.apps import apps
from django.db.models.signals import post_save, pre_delete
from django.test import TestCase, override_settings
from django.utils import timezone

from articles.delivery import cache
from articles.media import services as media
from articles.models import Correction, RelatedPin, Tag
from articles.publication import get_publication, save_publication
from tests.factories import ArticleFactory, AuthorFactory, image_file, library_image
from tests.purge_recorder import PurgeRecorder

# Models that never reach a public page (or reach it only as a status no cache keeps), and why.
NOT_ON_PUBLIC_PAGES = {
    "articles.OldTagSlug": "answers a 301, which no cache keeps (only 200s are shared)",
    "articles.OldSlug": "answers a 301, which no cache keeps (only 200s are shared)",
    "articles.PreviewToken": "previews are private, no-store",
    "articles.EditLock": "the newsroom only",
    "articles.Autosave": "the newsroom only",
    "articles.Revision": "the newsroom only",
    "articles.AuditEntry": "the newsroom only",
    "articles.TaskFailure": "the newsroom only",
    "articles.WorkerHeartbeat": "the task queue's bookkeeping",
    "articles.RecurringRun": "the task queue's bookkeeping",
    "articles.SentMail": "the task queue's bookkeeping",
    "api.ApiKey": "the newsroom only (the API's responses carry the articles' own keys)",
    "api.Webhook": "the newsroom only",
    "api.WebhookDelivery": "the newsroom only",
    "articles.ArticleMarkup": "kept markup, checked against its rows' digest on every use",
    "ads.PlacementStat": "ad reports only",
    "standing.PageRevision": "the newsroom only",
    "standing.PageAuditEntry": "the newsroom only",
    "articles.SearchWord": "read by search results only, which no shared cache keeps (?q=)",
    "alerts.AlertEvent": "the newsroom only (the alerts' audit trail)",
    "push.PushSubscription": "readers' push endpoints: never shown on any page",
    "push.PushTopic": "readers' push topics: never shown on any page",
    "push.PushSend": "the newsroom only (sends and their counts)",
    "push.PushBatch": "the push sender's bookkeeping",
}


class PurgeRuleCoverageTests(TestCase):
    def test_every_model_of_the_articles_and_ads_apps_has_a_purge_rule_or_a_reason(self):
        missing, both = [], []
        for label in ("articles", "ads", "api", "standing", "live", "alerts", "push"):
            for model in apps.get_app_config(label).get_models():
                excused = model._meta.label in NOT_ON_PUBLIC_PAGES
                ruled = model in cache.PURGE_RULES
                if not (excused or ruled):
                    missing.append(model._meta.label)
                if excused and ruled:
                    both.append(model._meta.label)
        assert missing == [], f"no purge rule and no reason it is not on public pages: {missing}"
        assert both == [], f"listed as not public yet purged: {both}"
        assert set(NOT_ON_PUBLIC_PAGES) <= {m._meta.label for m in apps.get_models()}

    def test_every_rule_is_connected_to_saves_and_deletes(self):
        for model, (on_save, on_delete) in cache.PURGE_RULES.items():
            with self.subTest(model=model._meta.label):
                assert on_save in post_save._live_receivers(model)[0]
                assert on_delete in pre_delete._live_receivers(model)[0]


class PurgedKeysMixin:
    def setUp(self):
        self.proxy = PurgeRecorder().__enter__()
        self.addCleanup(self.proxy.__exit__)
        override = override_settings(NEWSROOM_PURGE_URLS=[self.proxy.url])
        override.enable()
        self.addCleanup(override.disable)

    def purged_by(self, change):
        with self.captureOnCommitCallbacks(execute=True):
            change()
        return self.proxy.keys()


class ImagePurgeTests(PurgedKeysMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.image = library_image(alt_text="A harbour at dawn", caption="Old", credit="Agency")
        cls.lead = ArticleFactory(lead_image=cls.image)
        cls.embeds = ArticleFactory(body=f'<p><img src="/media/{cls.image.file.name}" alt=""></p>')
        cls.hidden = ArticleFactory(draft=True, lead_image=cls.image)
        cls.portrayed = AuthorFactory(photo=cls.image)
        cls.expected = {
            f"article-{cls.lead.pk}",
            f"article-{cls.embeds.pk}",
            f"author-{cls.portrayed.pk}",
            "feeds",
            "sitemaps",
        }

    def test_alt_text_edit_purges_every_page_showing_the_image(self):
        def edit():
            self.image.alt_text = "A harbour at dusk"
            media.save_image(image=self.image)

        assert self.purged_by(edit) == self.expected

    def test_each_shown_field_edited_in_the_shell_purges_the_same_pages(self):
        changes = {
            "alt_text": "New alt",
            "caption": "New caption",
            "credit": "New credit",
            "focal_x": 0.1,
            "focal_y": 0.9,
        }
        for field, value in changes.items():
            with self.subTest(field=field):
                setattr(self.image, field, value)
                assert self.purged_by(self.image.save) == self.expected

    def test_a_new_file_and_its_renditions_purge_the_pages_showing_it(self):
        def replace():
            media.save_image(image=self.image, upload=image_file("new.jpg"))

        # The upload, then the renditions made by the task (run inline in tests).
        assert self.purged_by(replace) >= self.expected - {f"article-{self.embeds.pk}"}

    def test_an_unused_image_purges_nothing(self):
        unused = library_image(alt_text="Spare")
        unused.alt_text = "Still spare"
        assert self.purged_by(unused.save) == set()


class ModelEditPurgeTests(PurgedKeysMixin, TestCase):
    """Edits made outside the services (admin inlines, the shell) purge like the services."""

    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory(tags=["Harbour"])
        cls.other = ArticleFactory()

    def test_a_live_article_saved_in_the_shell_purges_its_page_and_cards(self):
        def edit():
            self.article.headline = "Shell edit"
            self.article.save()

        assert self.purged_by(edit) == {f"article-{self.article.pk}", "feeds", "sitemaps"}

    def test_a_correction_edited_in_the_shell_purges_like_one_added(self):
        note = Correction.objects.create(article=self.article, text="A date was wrong.")

        def edit():
            note.text = "Two dates were wrong."
            note.save()

        keys = {f"article-{self.article.pk}", "corrections", "feeds", "sitemaps"}
        assert self.purged_by(edit) == keys
        assert self.purged_by(note.delete) == keys

    def test_a_related_pin_purges_the_page_it_is_pinned_under(self):
        pin = lambda: RelatedPin.objects.create(article=self.article, related=self.other)  # noqa: E731
        assert self.purged_by(pin) == {f"article-{self.article.pk}"}

    def test_a_byline_added_in_the_shell_purges_the_article_and_the_authors_page(self):
        author = AuthorFactory()
        add = lambda: self.article.bylines.create(author=author, position=5)  # noqa: E731
        assert self.purged_by(add) == {
            f"article-{self.article.pk}",
            f"author-{author.pk}",
            "feeds",
            "sitemaps",
        }

    def test_thirty_tags_set_at_once_make_one_purge(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            self.article.tags.set([f"t{i}" for i in range(30)])
        # One purge for the tag taken off, one for the thirty put on (not one per row).
        assert len(callbacks) == 2 and len(self.proxy.purges) == 2
        harbour = Tag.objects.get(name="Harbour")
        new = {
            f"tag-{pk}"
            for pk in self.article.tags.exclude(pk=harbour.pk).values_list("pk", flat=True)
        }
        assert self.proxy.keys() == {
            f"article-{self.article.pk}",
            f"tag-{harbour.pk}",
            *new,
            "feeds",
            "sitemaps",
        }

    def test_publication_settings_purge_every_page(self):
        def save():
            publication = get_publication()
            publication.name = "The Harbour Times"
            save_publication(publication=publication)

        assert self.purged_by(save) == {"all"}


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "per-process-expiry"}})  # fmt: skip
class PerProcessCopyTests(TestCase):
    """Without Redis each process keeps its own copies, which another process's purge never
    reaches: they expire within a minute (`cache.LOCAL_COPY_SECONDS`)."""

    def test_a_section_renamed_in_another_process_leaves_the_navigation_within_a_minute(self):
        from django.core.cache import cache as default_cache

        from articles.models import Section
        from articles.pages.html import navigation_markup
        from tests.factories import SectionFactory

        section = SectionFactory(name="Harbour desk")
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            assert "Harbour desk" in navigation_markup()
        # Another process renames it: its purge clears that process's copy, not this one's.
        Section.objects.filter(pk=section.pk).update(name="Port desk")
        with time_machine.travel(start + timedelta(seconds=30), tick=False):
            assert "Harbour desk" in navigation_markup()
        with time_machine.travel(start + timedelta(seconds=cache.LOCAL_COPY_SECONDS), tick=False):
            assert "Port desk" in navigation_markup()
        default_cache.clear()

    def test_publication_settings_saved_in_another_process_show_within_a_minute(self):
        from articles.publication import clear_publication_cache
        from articles.publication.models import Publication

        clear_publication_cache()
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            publication = get_publication()
            publication.save()
            clear_publication_cache()
            assert get_publication().name == publication.name
        Publication.objects.update(name="The Port Times")  # saved elsewhere
        with time_machine.travel(start + timedelta(seconds=30), tick=False):
            assert get_publication().name == publication.name
        with time_machine.travel(start + timedelta(seconds=cache.LOCAL_COPY_SECONDS), tick=False):
            assert get_publication().name == "The Port Times"
