"""A standing page's workflow: draft → in review → published and back, through services that
check the step and the user's permission, with a revision and an audit row for each step; a
refused step changes nothing."""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase

from articles.standing import workflow
from articles.standing.models import Page, PageAuditEntry, PageRevision
from tests.factories import UserFactory


def user_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


class WorkflowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = user_with("change_page", "view_page")
        cls.editor = user_with("change_page", "view_page", "publish_page")
        cls.reader = UserFactory()

    def setUp(self):
        self.page = workflow.save_page(
            page=Page(title="Ethics", slug="ethics", kind="ethics", body="<p>v1</p>"),
            by=self.writer,
        )

    def state(self):
        return (
            Page.objects.values_list("status", flat=True).get(pk=self.page.pk),
            PageAuditEntry.objects.count(),
            PageRevision.objects.count(),
        )

    def test_the_whole_way_with_revisions_and_audit_rows(self):
        workflow.submit_for_review(page=self.page, by=self.writer)
        workflow.publish(page=self.page, by=self.editor)
        self.assertEqual(self.client.get("/ethics/").status_code, 200)
        workflow.unpublish(page=self.page, by=self.editor)
        self.assertEqual(self.client.get("/ethics/").status_code, 404)
        steps = list(
            PageAuditEntry.objects.order_by("pk").values_list(
                "action", "from_status", "to_status", "user"
            )
        )
        self.assertEqual(
            steps,
            [
                ("submit", "draft", "in_review", self.writer.pk),
                ("publish", "in_review", "published", self.editor.pk),
                ("unpublish", "published", "draft", self.editor.pk),
            ],
        )
        reasons = list(PageRevision.objects.order_by("number").values_list("number", "reason"))
        self.assertEqual(
            reasons, [(1, "Created"), (2, "Sent for review"), (3, "Published"), (4, "Unpublished")]
        )
        self.assertEqual(PageRevision.objects.get(number=3).data["status"], "published")

    def test_a_writer_cannot_publish_and_nothing_changes(self):
        before = self.state()
        with self.assertRaisesMessage(PermissionDenied, workflow.CANNOT_PUBLISH):
            workflow.publish(page=self.page, by=self.writer)
        self.assertEqual(self.state(), before)

    def test_a_reader_cannot_edit_or_submit(self):
        before = self.state()
        with self.assertRaisesMessage(PermissionDenied, workflow.CANNOT_EDIT):
            workflow.submit_for_review(page=self.page, by=self.reader)
        self.page.title = "Hacked"
        with self.assertRaisesMessage(PermissionDenied, workflow.CANNOT_EDIT):
            workflow.save_page(page=self.page, by=self.reader)
        self.assertEqual(self.state(), before)
        self.assertEqual(Page.objects.get().title, "Ethics")

    def test_a_step_from_the_wrong_status_is_refused(self):
        before = self.state()
        with self.assertRaisesMessage(ValidationError, "“draft” cannot be unpublished"):
            workflow.unpublish(page=self.page, by=self.editor)
        self.assertEqual(self.state(), before)

    def test_in_review_is_not_public_but_editors_preview_it_uncached(self):
        workflow.submit_for_review(page=self.page, by=self.writer)
        self.assertEqual(self.client.get("/ethics/").status_code, 404)
        self.client.force_login(self.editor)
        response = self.client.get("/ethics/")
        self.assertContains(response, "v1")
        self.assertIn("no-cache", response["Cache-Control"])
        self.assertIn("private", response["Cache-Control"])

    def test_admin_actions_go_through_the_services(self):
        self.client.force_login(self.writer)
        response = self.client.post(
            "/admin/standing/page/",
            {"action": "publish", "_selected_action": [self.page.pk]},
            follow=True,
        )
        self.assertContains(response, workflow.CANNOT_PUBLISH)
        self.assertEqual(self.state()[0], "draft")
        self.client.force_login(self.editor)
        self.client.post(
            "/admin/standing/page/", {"action": "publish", "_selected_action": [self.page.pk]}
        )
        self.assertEqual(self.state()[0], "published")
        self.assertEqual(PageAuditEntry.objects.get().user, self.editor)
