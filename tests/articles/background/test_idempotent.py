"""Every task may run twice (a worker died or lost the database half-way): no harm done."""

import tempfile

from django.core import mail
from django.core.cache import cache as default_cache
from django.core.files.storage import default_storage
from django.test import TestCase, TransactionTestCase, override_settings

from articles import services
from articles.background.models import SentMail, TaskFailure
from articles.delivery import cache as page_cache
from articles.delivery.cache import purge_keys
from articles.media import services as images
from articles.media.services import make_renditions
from articles.pages.models import ArticleMarkup
from articles.services.notifications import send_notification
from tests.articles.background.test_retries import BROKEN_MAIL
from tests.articles.test_services import ready_article
from tests.factories import AuthorFactory, UserFactory, library_image


def files_under(folder):
    dirs, files = default_storage.listdir(folder)
    found = {f"{folder}/{name}" for name in files}
    for sub in dirs:
        found |= files_under(f"{folder}/{sub}")
    return found


def rendition_paths(renditions):
    return {
        source[2]
        for ratio in renditions["ratios"].values()
        for sources in ratio["sources"].values()
        for source in sources
    }


class NotificationOnceTests(TestCase):
    def setUp(self):
        UserFactory(username="ed", role="Editor", email="ed@example.com")
        UserFactory(username="ed2", role="Editor", email="ed2@example.com")
        self.article = ready_article(draft=True)

    def send(self, key="n-1"):
        send_notification.call(article_id=self.article.pk, action="submit", key=key)

    def test_a_notification_run_twice_mails_each_recipient_once(self):
        self.send()
        self.send()
        assert len(mail.outbox) == 1
        assert sorted(mail.outbox[0].to) == ["ed2@example.com", "ed@example.com"]
        rows = SentMail.objects.order_by("recipient")
        assert [(r.key, r.recipient, r.sent_at is not None) for r in rows] == [
            ("n-1", "ed2@example.com", True),
            ("n-1", "ed@example.com", True),
        ]

    def test_a_recipient_added_before_the_rerun_gets_it_and_the_others_do_not(self):
        self.send()
        UserFactory(username="ed3", role="Editor", email="ed3@example.com")
        self.send()
        assert [m.to for m in mail.outbox][1] == ["ed3@example.com"]
        assert len(mail.outbox) == 2

    def test_another_notification_is_another_mail(self):
        self.send("n-1")
        self.send("n-2")
        assert len(mail.outbox) == 2

    def test_the_transition_queues_its_mail_with_a_key_of_its_own(self):
        writer = UserFactory(username="wr", role="Writer")
        article = ready_article(draft=True, authors=[AuthorFactory(user=writer)])

        with self.captureOnCommitCallbacks(execute=True):
            services.submit_for_review(article=article, by=writer)
        assert len(mail.outbox) == 1
        (row, _) = SentMail.objects.order_by("recipient")
        assert len(row.key) == 32


@override_settings(MAILERS=BROKEN_MAIL)
class FailedSendTests(TransactionTestCase):
    def test_a_failed_send_releases_its_claims_so_the_retry_mails_them(self):
        UserFactory(username="ed", role="Editor", email="ed@example.com")
        article = ready_article(draft=True)
        try:
            send_notification.call(article_id=article.pk, action="submit", key="n-1")
        except ConnectionRefusedError:
            pass
        assert not SentMail.objects.exists()
        assert TaskFailure.objects.count() == 1
        with self.settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        ):
            send_notification.call(article_id=article.pk, action="submit", key="n-1")
        assert [m.to for m in mail.outbox] == [["ed@example.com"]]
        assert SentMail.objects.get().sent_at is not None


class PurgeTwiceTests(TestCase):
    def test_purging_twice_leaves_the_same_state_as_once(self):
        article = ready_article()
        keys = page_cache.keys_for_article(article)
        purge_keys.call(keys)
        marks = default_cache.get_many([page_cache.PURGED_PREFIX + k for k in keys])
        kept = ArticleMarkup.objects.get(article=article)
        purge_keys.call(keys)
        again = default_cache.get_many([page_cache.PURGED_PREFIX + k for k in keys])
        assert set(again) == set(marks) and len(marks) == len(set(keys))
        assert all(again[k] >= marks[k] for k in marks)  # a later mark: still purged
        assert ArticleMarkup.objects.filter(article=article).count() == 1
        assert ArticleMarkup.objects.get(article=article).digest == kept.digest


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="newsroom-test-renditions-"))
class RenditionsTwiceTests(TestCase):
    """In a media folder of its own: other tests' images share primary keys (and folders)."""

    def test_making_renditions_twice_leaves_one_complete_set_and_no_stray_files(self):
        image = library_image(size=(700, 350))
        make_renditions.call(image_id=image.pk)
        image.refresh_from_db()
        first = rendition_paths(image.renditions)
        make_renditions.call(image_id=image.pk)
        image.refresh_from_db()
        second = rendition_paths(image.renditions)
        assert first and second and not first & second
        assert files_under(f"renditions/{image.pk}") == second
        assert all(default_storage.exists(path) for path in second)
        assert images.process_image(image_id=image.pk + 1000) is None  # gone: nothing to do
