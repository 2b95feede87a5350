"""Where the admin's article list spends a request: in-process time, queries and HTML size per
view (default, filtered by status / section / author, searched, a deep page), and with
--profile the functions that cost most (cProfile, cumulative).

Runs in this process against DATABASE_URL (seed it first: `manage.py seed_bulk`), signed in as
a superuser it creates if missing. One request at a time, wall and CPU time (CPU: less
swayed by other work on a shared machine): this finds the cost, the load figures
(16 connections) are `make bench`'s. The load average is printed beside every figure because
the machine may be shared.

    DATABASE_URL=postgres://…/newsroom_bench .venv/bin/python scripts/profile_admin_list.py
    ... scripts/profile_admin_list.py --rounds 20 --profile default
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--profile", default="", help="a view's name to profile")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("NEWSROOM_ADMIN_MFA", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import setup_test_environment

    from articles.models import Article, Author, Section

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = True  # count queries
    user, _ = get_user_model().objects.get_or_create(
        username="profile-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    section = Section.objects.order_by("pk").first()
    author = Author.objects.order_by("pk").first()
    total = Article.objects.count()
    base = "/admin/articles/article/"
    from django.contrib import admin

    per_page = admin.site.get_model_admin(Article).list_per_page
    deep = max(0, total // per_page - 1)  # the admin counts pages from 0
    views = {
        "default": base,
        "status": f"{base}?status__exact=published",
        "section": f"{base}?section__id__exact={section.pk}",
        "author": f"{base}?bylines__author__id__exact={author.pk}",
        "search": f"{base}?q=council",
        f"page {deep}": f"{base}?p={deep}",
    }
    print(f"{total} articles; median of {args.rounds} requests after one warm-up")
    print("view        wall ms   CPU ms (medians)   queries   HTML KB   load")
    for name, url in views.items():
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        times, cpu = [], []
        for _ in range(args.rounds):
            reset_queries()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries = len(connection.queries)
        size = len(response.content) / 1024
        load = os.getloadavg()[0]
        print(
            f"{name:<10} {statistics.median(times):8.1f}   {statistics.median(cpu):8.1f}"
            f"{'':>10}   {queries:7}   {size:7.1f}   {load:.2f}"
        )
    if args.profile:
        url = views[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.rounds):
            client.get(url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
