"""Signing up (double opt-in, consent, honeypot, rate limits), preferences and one-click
unsubscribe, as a reader's browser and a mail provider reach them."""

import json
import re

from django.core import mail
from django.test import Client, TestCase, override_settings

from articles.newsletters import emails, services, tokens
from articles.newsletters.models import Subscriber, Subscription, SubscriptionStatus
from tests.factories import NewsletterFactory, SubscriptionFactory

ACTIVE, PENDING, LEFT = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PENDING,
    SubscriptionStatus.UNSUBSCRIBED,
)


def confirm_link(message) -> str:
    return re.search(r"http://\S+/newsletters/confirm/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


class SignUpTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.morning = NewsletterFactory(name="Morning briefing", is_offered_on_articles=True)
        cls.breaking = NewsletterFactory(name="Breaking")
        cls.hidden = NewsletterFactory(name="Internal", is_public=False)

    def sign_up(self, email="Reader@Example.com", newsletters=None, client=None, **extra):
        data = {"email": email, "newsletter": newsletters or [self.morning.pk], **extra}
        with self.captureOnCommitCallbacks(execute=True):
            return (client or self.client).post("/newsletters/", data, REMOTE_ADDR="203.0.113.9")

    def test_page_lists_public_newsletters_and_is_never_cached(self):
        response = self.client.get("/newsletters/")
        self.assertContains(response, "Morning briefing")
        self.assertContains(response, "Breaking")
        self.assertNotContains(response, "Internal")
        self.assertIn("no-cache", response["Cache-Control"])
        self.assertIn("private", response["Cache-Control"])

    def test_sign_up_is_pending_with_consent_and_mails_a_confirmation_link(self):
        response = self.sign_up(newsletters=[self.morning.pk, self.breaking.pk])
        self.assertContains(response, "Check your inbox")
        subscriber = Subscriber.objects.get()
        self.assertEqual(subscriber.email, "reader@example.com")
        rows = Subscription.objects.filter(subscriber=subscriber)
        self.assertEqual({r.status for r in rows}, {PENDING})
        self.assertEqual(rows.count(), 2)
        row = rows.first()
        self.assertEqual(row.consent_form, "page")
        self.assertEqual(row.consent_wording_version, services.conf.CONSENT_VERSION)
        self.assertEqual(row.consent_ip_hash, services.hash_ip("203.0.113.9"))
        self.assertNotIn("203.0.113.9", row.consent_ip_hash)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["reader@example.com"])
        self.assertIn("Breaking, Morning briefing", mail.outbox[0].body)

    def test_opening_the_link_does_not_confirm_only_the_button_does(self):
        self.sign_up()
        link = path_of(confirm_link(mail.outbox[0]))
        page = self.client.get(link)
        self.assertContains(page, "Confirm my subscription")
        self.assertContains(page, 'method="post"')
        self.assertEqual(Subscription.objects.get().status, PENDING)  # a link scanner's GET
        done = Client(enforce_csrf_checks=True)
        page = done.get(link)
        token = page.cookies["csrftoken"].value
        response = done.post(link, {"csrfmiddlewaretoken": token})
        self.assertContains(response, "You are subscribed")
        row = Subscription.objects.get()
        self.assertEqual(row.status, ACTIVE)
        self.assertIsNotNone(row.confirmed_at)

    def test_forged_or_cut_confirmation_link_is_refused(self):
        self.sign_up()
        link = path_of(confirm_link(mail.outbox[0]))
        forged = link[:-4] + "abc/"
        self.assertEqual(self.client.get(forged).status_code, 400)
        self.assertEqual(self.client.post(forged).status_code, 400)
        self.assertEqual(Subscription.objects.get().status, PENDING)

    def test_honeypot_answers_as_usual_and_stores_nothing(self):
        response = self.sign_up(website="http://spam.example")
        self.assertContains(response, "Check your inbox")
        self.assertFalse(Subscriber.objects.exists())
        self.assertEqual(mail.outbox, [])

    def test_bad_address_or_no_newsletter_is_a_clear_400(self):
        response = self.sign_up(email="not-an-address")
        self.assertContains(response, services.INVALID_EMAIL, status_code=400)
        response = self.sign_up(newsletters=[self.hidden.pk])
        self.assertContains(response, services.NO_NEWSLETTER, status_code=400)
        self.assertFalse(Subscriber.objects.exists())
        self.assertEqual(mail.outbox, [])

    @override_settings(NEWSROOM_NEWSLETTER_SIGNUPS_PER_ADDRESS=2)
    def test_rate_limit_per_address(self):
        self.sign_up()
        self.sign_up()
        before = list(Subscription.objects.values())
        response = self.sign_up()
        self.assertContains(response, services.TOO_MANY, status_code=429)
        self.assertEqual(list(Subscription.objects.values()), before)
        self.assertEqual(len(mail.outbox), 2)

    @override_settings(NEWSROOM_NEWSLETTER_SIGNUPS_PER_IP=2)
    def test_rate_limit_per_ip(self):
        self.sign_up(email="a@example.com")
        self.sign_up(email="b@example.com")
        response = self.sign_up(email="c@example.com")
        self.assertEqual(response.status_code, 429)
        self.assertFalse(Subscriber.objects.filter(email="c@example.com").exists())

    def test_known_subscriber_gets_no_mail_for_what_they_already_have(self):
        SubscriptionFactory(subscriber__email="reader@example.com", newsletter=self.morning)
        response = self.sign_up()
        self.assertContains(response, "Check your inbox")
        self.assertEqual(mail.outbox, [])
        self.assertEqual(Subscription.objects.get().status, ACTIVE)

    def test_article_box_posts_without_csrf_and_joins_the_offered_newsletters(self):
        client = Client(enforce_csrf_checks=True)
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post("/newsletters/subscribe/", {"email": "r@example.com"})
        self.assertContains(response, "Check your inbox")
        row = Subscription.objects.get()
        self.assertEqual((row.newsletter, row.consent_form), (self.morning, "article"))
        self.assertEqual(client.get("/newsletters/subscribe/").status_code, 405)


class PreferencesAndUnsubscribeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.morning = NewsletterFactory(name="Morning briefing")
        cls.breaking = NewsletterFactory(name="Breaking")
        cls.sub = SubscriptionFactory(newsletter=cls.morning)
        cls.subscriber = cls.sub.subscriber
        SubscriptionFactory(subscriber=cls.subscriber, newsletter=cls.breaking)

    def statuses(self):
        return dict(
            Subscription.objects.filter(subscriber=self.subscriber).values_list(
                "newsletter__name", "status"
            )
        )

    def preferences(self):
        return path_of(emails.preferences_url(subscriber=self.subscriber))

    def unsubscribe_path(self):
        return path_of(
            emails.unsubscribe_url(subscriber=self.subscriber, newsletter_id=self.morning.pk)
        )

    def test_preferences_page_saves_a_choice(self):
        page = self.client.get(self.preferences())
        self.assertContains(page, self.subscriber.email)
        response = self.client.post(
            self.preferences(), {"action": "save", "newsletter": [self.breaking.pk]}
        )
        self.assertContains(response, "Saved.")
        self.assertEqual(self.statuses(), {"Morning briefing": LEFT, "Breaking": ACTIVE})

    def test_leave_all(self):
        self.client.post(self.preferences(), {"action": "leave-all"})
        self.assertEqual(set(self.statuses().values()), {LEFT})

    def test_forged_preferences_link_is_404_and_changes_nothing(self):
        forged = tokens.subscriber_token(subscriber=self.subscriber)[:-3] + "xyz"
        response = self.client.post(f"/newsletters/preferences/{forged}/", {"action": "leave-all"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(set(self.statuses().values()), {ACTIVE})

    def test_export_and_erase(self):
        response = self.client.post(self.preferences(), {"action": "export"})
        data = json.loads(response.content)
        self.assertEqual(data["email"], self.subscriber.email)
        self.assertEqual(len(data["subscriptions"]), 2)
        self.assertIn("attachment", response["Content-Disposition"])
        response = self.client.post(self.preferences(), {"action": "erase"})
        self.assertContains(response, "Your data is deleted")
        self.assertFalse(Subscriber.objects.filter(pk=self.subscriber.pk).exists())
        self.assertFalse(Subscription.objects.exists())

    def test_get_of_unsubscribe_link_asks_first(self):
        response = self.client.get(self.unsubscribe_path())
        self.assertContains(response, "Unsubscribe from Morning briefing?")
        self.assertEqual(set(self.statuses().values()), {ACTIVE})

    def test_one_click_post_unsubscribes_from_that_newsletter_only(self):
        # RFC 8058: the mail provider POSTs this body, with no cookie and no CSRF token.
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            self.unsubscribe_path(),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        self.assertContains(response, "You are unsubscribed")
        self.assertEqual(self.statuses(), {"Morning briefing": LEFT, "Breaking": ACTIVE})
        self.assertIn("no-cache", response["Cache-Control"])

    def test_forged_unsubscribe_link_changes_nothing(self):
        response = self.client.post(self.unsubscribe_path()[:-5] + "XXXX/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(set(self.statuses().values()), {ACTIVE})

    def test_a_new_secret_voids_old_links(self):
        old = self.unsubscribe_path()
        Subscriber.objects.filter(pk=self.subscriber.pk).update(secret="f" * 32)
        self.assertEqual(self.client.post(old).status_code, 404)


class ArticleBoxTests(TestCase):
    def test_article_page_has_the_box_without_a_csrf_token(self):
        from tests.factories import ArticleFactory

        article = ArticleFactory()
        response = self.client.get(article.get_absolute_url())
        self.assertContains(response, 'action="/newsletters/subscribe/"')
        self.assertNotContains(response, "csrfmiddlewaretoken")

    def test_without_offered_newsletters_the_box_leads_to_the_choice(self):
        NewsletterFactory(name="Breaking")
        response = self.client.post("/newsletters/subscribe/", {"email": "r@example.com"})
        self.assertContains(response, "Breaking")
        self.assertContains(response, 'value="r@example.com"')
        self.assertFalse(Subscriber.objects.exists())


class ConfirmationMailTests(TestCase):
    @override_settings(
        MAILERS={
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
            }
        }
    )
    def test_mail_server_down_never_fails_the_sign_up(self):
        from articles.background.models import TaskFailure

        newsletter = NewsletterFactory()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                "/newsletters/", {"email": "r@example.com", "newsletter": [newsletter.pk]}
            )
        self.assertContains(response, "Check your inbox")
        self.assertEqual(Subscription.objects.get().status, PENDING)
        self.assertTrue(TaskFailure.objects.filter(task_name__contains="send_confirmation"))
