from django.core.management.base import BaseCommand

from articles.redirects.services import nginx_map


class Command(BaseCommand):
    help = "Print every redirect as an nginx map of $request_uri (include it in the server block)."

    def handle(self, *args, **options):
        self.stdout.write(nginx_map(), ending="")
