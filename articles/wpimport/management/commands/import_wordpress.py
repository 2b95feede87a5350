"""manage.py import_wordpress EXPORT.xml [--media-from DIR|URL] [--dry-run]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.wpimport import services
from articles.wpimport.parser import ExportError


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR): posts, authors, categories, tags, images and "
        "redirects. Run it again with a newer export of the same site to update."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="The .xml file from WordPress's Tools › Export.")
        parser.add_argument(
            "--media-from",
            default="",
            help="A copied wp-content/uploads folder, or https://old.example/wp-content/uploads.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; write nothing."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options):
        path = Path(options["export"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            run = services.create_run(
                path=str(path.resolve()), media_from=options["media_from"], original_name=path.name
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if options["dry_run"]:
            report = services.dry_run(run=run)
            run.delete()
            if "error" in report:
                raise CommandError(report["error"])
        else:
            try:
                services.run_some(
                    run=run,
                    progress=lambda r: self.stderr.write(
                        f"\r{r.phase}: {r.position} items", ending=""
                    ),
                )
            except ExportError as error:
                raise CommandError(str(error)) from error
            run.refresh_from_db()
            if run.status == run.Status.FAILED:
                raise CommandError(run.error)
            report = run.report
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(services.report_lines(report, dry_run=options["dry_run"])))
