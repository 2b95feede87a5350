import threading
from datetime import timedelta
from unittest import skipUnless

import time_machine
from django.db import connection
from django.test import Client, TestCase, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, EditLock, Revision
from tests.articles.test_admin_workflow import change_url, edit_form
from tests.articles.test_services import ready_article
from tests.factories import UserFactory, library_image


def conflict_resubmission(response, **choices):
    """What the browser posts back from the conflict page, with per-field choices."""
    context = response.context
    data = {}
    for key, value in context["hidden"]:
        data.setdefault(key, [])
        data[key].append(value)
    data["loaded_version"] = context["article"].version
    data["_conflict_fields"] = context["conflict_fields"]
    for row in context["rows"]:
        data[f"_theirs_{row['field']}"] = row["theirs"]
        data[f"_yours_{row['field']}"] = row["yours"]
        data[f"_resolve_{row['field']}"] = choices.get(row["field"], row["default"])
    return data


class ConflictTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.anna = UserFactory(username="anna", role="Editor")
        cls.ben = UserFactory(username="ben", role="Editor")
        cls.article = ready_article(draft=True, headline="Original", standfirst="Original sf")
        # As when created in the admin: the loaded version has a revision to merge against.
        services.record_revision(article=cls.article, by=cls.anna, reason="Created")

    def setUp(self):
        self.anna_client, self.ben_client = Client(), Client()
        self.anna_client.force_login(self.anna)
        self.ben_client.force_login(self.ben)

    def both_open_then_ben_saves(self):
        anna_form = self.anna_client.get(change_url(self.article)).context["adminform"].form
        assert anna_form["loaded_version"].value() == 1
        ben = edit_form(self.article, headline="Ben's headline")
        assert self.ben_client.post(change_url(self.article), ben).status_code == 302
        return edit_form(self.article, standfirst="Anna's standfirst", headline="Anna's headline")

    def test_stale_save_gets_a_conflict_page_and_saves_nothing(self):
        anna = self.both_open_then_ben_saves()
        response = self.anna_client.post(change_url(self.article), anna)
        assert response.status_code == 409
        self.assertContains(response, "Someone else saved", status_code=409)
        rows = {row["field"]: row for row in response.context["rows"]}
        assert rows["headline"]["theirs"] == "Ben's headline"
        assert rows["headline"]["yours"] == "Anna's headline"
        assert rows["headline"]["both"]
        assert rows["standfirst"]["default"] == "yours"
        self.assertContains(response, "Anna&#x27;s standfirst", status_code=409)
        article = Article.objects.get(pk=self.article.pk)
        assert (article.headline, article.standfirst, article.version) == (
            "Ben's headline",
            "Original sf",
            2,
        )
        assert Revision.objects.filter(article=article).count() == 2

    def test_merge_per_field_then_save(self):
        anna = self.both_open_then_ben_saves()
        response = self.anna_client.post(change_url(self.article), anna)
        data = conflict_resubmission(response, headline="theirs", standfirst="yours")
        response = self.anna_client.post(change_url(self.article), data)
        assert response.status_code == 302
        article = Article.objects.get(pk=self.article.pk)
        assert (article.headline, article.standfirst, article.version) == (
            "Ben's headline",
            "Anna's standfirst",
            3,
        )

    def test_keep_all_mine(self):
        anna = self.both_open_then_ben_saves()
        response = self.anna_client.post(change_url(self.article), anna)
        data = conflict_resubmission(response, headline="yours", standfirst="yours")
        assert self.anna_client.post(change_url(self.article), data).status_code == 302
        assert Article.objects.get(pk=self.article.pk).headline == "Anna's headline"

    def test_only_their_change_defaults_to_theirs(self):
        self.anna_client.get(change_url(self.article))
        ben = edit_form(self.article, standfirst="Ben's standfirst")
        self.ben_client.post(change_url(self.article), ben)
        anna = edit_form(self.article, headline="Anna's headline")
        response = self.anna_client.post(change_url(self.article), anna)
        rows = {row["field"]: row for row in response.context["rows"]}
        assert rows["standfirst"]["default"] == "theirs"
        assert rows["headline"]["default"] == "yours"

    def test_no_lead_image_on_either_side_is_no_conflict(self):
        anna = self.both_open_then_ben_saves()
        anna["lead_image"] = ""  # the form posts "no image" as an empty string
        response = self.anna_client.post(change_url(self.article), anna)
        rows = {row["field"]: row for row in response.context["rows"]}
        assert set(rows) == {"headline", "standfirst"}
        self.assertNotContains(response, "Lead image", status_code=409)

    def test_an_image_both_changed_is_a_choice_not_a_text_box(self):
        theirs = library_image(alt_text="Their picture")
        mine = library_image(alt_text="My picture")
        self.anna_client.get(change_url(self.article))
        ben = edit_form(self.article, lead_image=theirs.pk)
        assert self.ben_client.post(change_url(self.article), ben).status_code == 302
        anna = edit_form(self.article, lead_image=mine.pk)
        response = self.anna_client.post(change_url(self.article), anna)
        row = {row["field"]: row for row in response.context["rows"]}["lead_image"]
        assert (row["both"], row["editable"]) == (True, False)
        self.assertContains(response, "Their picture", status_code=409)
        self.assertContains(response, "My picture", status_code=409)
        self.assertNotContains(response, 'id="yours-lead_image"', status_code=409)
        data = conflict_resubmission(response, lead_image="theirs")
        assert self.anna_client.post(change_url(self.article), data).status_code == 302
        assert Article.objects.get(pk=self.article.pk).lead_image == theirs

    def test_a_transition_after_loading_also_makes_the_form_stale(self):
        anna = edit_form(self.article, headline="Anna's headline")
        services.submit_for_review(article=self.article, by=self.ben)
        assert self.anna_client.post(change_url(self.article), anna).status_code == 409


@skipUnless(connection.vendor == "postgresql", "Needs PostgreSQL: real concurrent writers.")
class RacingSaveTests(TransactionTestCase):
    def test_two_threads_saving_the_same_version_one_wins_one_conflicts(self):
        users = [UserFactory(username=f"ed{i}", role="Editor") for i in range(2)]
        article = ready_article(draft=True)
        forms = [edit_form(article, headline=f"Headline {i}") for i in range(2)]
        barrier = threading.Barrier(2)
        codes = []

        def save(i):
            client = Client()
            client.force_login(users[i])
            barrier.wait()
            try:
                codes.append(client.post(change_url(article), forms[i]).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(codes) == [302, 409]
        saved = Article.objects.get(pk=article.pk)
        assert saved.version == 2
        assert Revision.objects.filter(article=saved).count() == 1
        assert Revision.objects.get(article=saved).data["headline"] == saved.headline


class SoftLockTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.anna = UserFactory(username="anna", role="Editor")
        cls.ben = UserFactory(username="ben", role="Editor")
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.article = ready_article(draft=True, created_by=cls.writer)

    def test_others_see_who_is_editing_since_when(self):
        opened = timezone.now().replace(second=0, microsecond=0)
        with time_machine.travel(opened, tick=False):
            self.client.force_login(self.anna)
            response = self.client.get(change_url(self.article))
            self.assertNotContains(response, "is editing since")
        with time_machine.travel(opened + timedelta(seconds=30), tick=False):
            self.client.force_login(self.ben)
            response = self.client.get(change_url(self.article))
            since = timezone.localtime(opened).strftime("%H:%M")
            self.assertContains(response, f"anna is editing since {since}")
            self.assertContains(response, "Take over editing")
            self.assertContains(response, 'name="headline"')  # a warning, not a lock
        with time_machine.travel(opened + timedelta(seconds=40), tick=False):
            # Both ways: the first editor, reloading, is told about the second.
            self.client.force_login(self.anna)
            response = self.client.get(change_url(self.article))
            self.assertContains(response, f"ben is editing since {since}")
        assert set(EditLock.objects.values_list("user__username", flat=True)) == {"anna", "ben"}

    def test_alone_on_a_story_the_warning_is_hidden(self):
        self.client.force_login(self.anna)
        response = self.client.get(change_url(self.article))
        self.assertContains(response, 'id="edit-lock" role="status" hidden')
        self.assertNotContains(response, "is editing since")

    def test_lock_expires(self):
        opened = timezone.now()
        with time_machine.travel(opened, tick=False):
            self.client.force_login(self.anna)
            self.client.get(change_url(self.article))
        with time_machine.travel(opened + timedelta(minutes=2), tick=False):
            self.client.force_login(self.ben)
            self.assertNotContains(self.client.get(change_url(self.article)), "is editing since")
        assert EditLock.objects.get(user=self.ben).since == opened + timedelta(minutes=2)

    def test_editor_takes_over_and_writer_cannot(self):
        self.client.force_login(self.writer)
        self.client.get(change_url(self.article))
        self.client.force_login(self.anna)
        url = reverse("admin:articles_article_take_over", args=[self.article.pk])
        assert self.client.post(url).status_code == 302
        assert EditLock.objects.get().user == self.anna
        self.client.force_login(self.writer)
        response = self.client.get(change_url(self.article))
        self.assertContains(response, "anna is editing since")
        self.assertNotContains(response, "Take over editing")
        assert self.client.post(url).status_code == 403
        locks = EditLock.objects.order_by("since", "pk").values_list("user__username", flat=True)
        assert list(locks) == ["anna", "wr"]
