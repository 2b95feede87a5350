"""Make the renditions of library images again (after a migration or a change of ladder)."""

from django.core.management.base import BaseCommand, CommandError

from articles.management import progress
from articles.media import services as media
from articles.media.models import Image


class Command(BaseCommand):
    help = (
        "Regenerate the AVIF/WebP/JPEG renditions of library images, with a progress bar. "
        "By default every image; --missing only those without renditions. --queue hands the "
        "work to the task workers instead of doing it here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="Only images without any.")
        parser.add_argument("--queue", action="store_true", help="Enqueue tasks, do not wait.")

    def handle(self, *args, missing=False, queue=False, **options):
        images = Image.objects.awaiting_renditions() if missing else Image.objects.ready()
        ids = list(images.order_by("pk").values_list("pk", flat=True))
        total, failed = len(ids), 0
        for done, image_id in enumerate(ids, start=1):
            if queue:
                media.make_renditions.enqueue(image_id=image_id)
            else:
                try:
                    media.process_image(image_id=image_id)
                except Exception as exc:  # one broken file must not stop the rest
                    failed += 1
                    self.stderr.write(f"\nImage {image_id}: {type(exc).__name__}: {exc}")
            progress.draw(self.stdout, done, total)
        verb = "Queued" if queue else "Rebuilt"
        self.stdout.write(f"\n{verb} renditions for {total - failed} of {total} images.")
        if failed:
            raise CommandError(f"{failed} image(s) failed; see above.")
