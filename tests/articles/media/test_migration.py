"""The data migration that moves per-article images into the media library, without loss."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

BEFORE = [("articles", "0007_media_library")]
AFTER = [("articles", "0009_library_fields")]


class MoveImagesIntoLibraryTests(TransactionTestCase):
    def migrate(self, targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def tearDown(self):
        self.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def test_lead_images_and_photos_move_with_alt_caption_credit_and_size(self):
        old = self.migrate(BEFORE)
        Section = old.get_model("articles", "Section")
        Article = old.get_model("articles", "Article")
        Author = old.get_model("articles", "Author")
        Revision = old.get_model("articles", "Revision")
        section = Section.objects.create(name="News", slug="news")
        common = {"section": section, "status": "draft"}
        first = Article.objects.create(
            headline="One",
            slug="one",
            lead_image="lead-images/2025/08/a.jpg",
            lead_image_width=1200,
            lead_image_height=800,
            lead_image_alt="Harbour at dawn",
            lead_image_caption="The old harbour",
            lead_image_credit="Jo Photo / Agency",
            **common,
        )
        # The same file on a second article becomes one library image, used twice.
        second = Article.objects.create(
            headline="Two",
            slug="two",
            lead_image="lead-images/2025/08/a.jpg",
            lead_image_width=1200,
            lead_image_height=800,
            lead_image_alt="Harbour at dawn",
            **common,
        )
        plain = Article.objects.create(headline="Three", slug="three", **common)
        author = Author.objects.create(name="Pat", slug="pat", photo="authors/pat.jpg")
        Revision.objects.create(
            article=first,
            number=1,
            reason="Edited",
            data={"lead_image": "lead-images/2025/08/a.jpg", "lead_image_alt": "Harbour at dawn"},
        )

        new = self.migrate(AFTER)
        Image = new.get_model("articles", "Image")
        Article = new.get_model("articles", "Article")
        Author = new.get_model("articles", "Author")
        Revision = new.get_model("articles", "Revision")
        lead = Image.objects.get(file="lead-images/2025/08/a.jpg")
        assert (lead.alt_text, lead.caption, lead.credit) == (
            "Harbour at dawn",
            "The old harbour",
            "Jo Photo / Agency",
        )
        assert (lead.width, lead.height, lead.original_width) == (1200, 800, 1200)
        assert Article.objects.get(pk=first.pk).lead_image_id == lead.pk
        assert Article.objects.get(pk=second.pk).lead_image_id == lead.pk
        assert Article.objects.get(pk=plain.pk).lead_image_id is None
        photo = Author.objects.get(pk=author.pk).photo
        assert (photo.file.name, photo.alt_text) == ("authors/pat.jpg", "Pat")
        assert Image.objects.count() == 2
        assert Revision.objects.get().data == {"lead_image": lead.pk}
