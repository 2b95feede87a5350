"""CPU instructions of the parts of an uncached page (callgrind), to find where a page's cost is.

    make bench-parts            # after `make bench` has seeded newsroom_bench_5000

Runs itself under valgrind's callgrind with a dump before each part (`os.getppid()` marks
them), on the benchmark database, and prints each part's instructions per call. The figures in
docs/operations.md ("Uncached pages") that name a part of a page come from here.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = "china-advocates-for-global-ai-cooperation-amid-us-deregulation-moves"
CALLS = 5


def parts():
    """The parts, by name: each a function doing the part once."""
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.core.signals import request_finished, request_started
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory

    from ads.services import load_page_ads
    from articles.distribution import seo
    from articles.pages import markup
    from articles.pages.html import card
    from articles.pages.reads import Cards, article_for_page, related_cards
    from articles.publication import publication_time

    client = Client(HTTP_HOST="127.0.0.1")
    article = article_for_page(SEED)
    url = article.get_absolute_url()
    cards = Cards()[0:20]

    def in_request(work):  # what the request signals do around a page (settings read once)
        def run():
            request_started.send(None)
            work()
            request_finished.send(None)

        return run

    def request():
        r = RequestFactory().get(url)
        r.user = AnonymousUser()
        return r

    def parts_for_page():  # the kept parts (current: the client's first visit kept them)
        with publication_time():
            return markup.for_page(article_for_page(SEED))

    client.get(url)
    request_started.send(None)
    parts = parts_for_page()
    request_finished.send(None)

    context = {
        "article": article,
        "is_preview": False,
        "parts": parts,
        "related": related_cards(article),
    }
    return {
        "article page (test client)": lambda: client.get(url),
        "home page (test client)": lambda: client.get("/"),
        "article_for_page()": lambda: article_for_page(SEED),
        "related_cards()": lambda: related_cards(article),
        "Cards()[0:21]": lambda: Cards()[0:21],
        "20 cards' markup": lambda: [card(a) for a in cards],
        "load_page_ads(article)": lambda: load_page_ads(article=article),
        "markup.for_page() (kept)": in_request(parts_for_page),
        "markup.render()": in_request(lambda: markup.render(article)),
        "article_head()": in_request(lambda: seo.article_head(article, is_preview=False)),
        "article template": in_request(
            lambda: render_to_string("articles/article_detail.html", context, request=request())
        ),
        "base template (404 page)": in_request(
            lambda: render_to_string("404.html", {}, request=request())
        ),
    }


def child():
    found = parts()
    for work in found.values():  # warm every cache the parts share
        for _ in range(3):
            work()
    for work in found.values():
        os.getppid()  # callgrind dumps here (--dump-before=os_getppid)
        for _ in range(CALLS):
            work()
    os.getppid()
    print(json.dumps(list(found)))


def main():
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench  # the benchmark's own settings for its child processes

    database = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench_5000"
    )
    with tempfile.TemporaryDirectory(prefix="newsroom-parts-") as workdir:
        env = bench.environment(types.SimpleNamespace(database_url=database), workdir)
        bench.manage(env, "collectstatic", "--noinput", "-v0")
        prefix = ["valgrind", "--tool=callgrind", "--dump-before=os_getppid*",
                  f"--callgrind-out-file={workdir}/cg.%p"]  # fmt: skip
        out = subprocess.run(  # noqa: S603
            [*prefix, sys.executable, __file__, "--child"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        names = json.loads(out.stdout.strip().splitlines()[-1])
        dumps = sorted(Path(workdir).glob("cg.*.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
        totals = [int(re.search(r"^totals: (\d+)", p.read_text(), re.M).group(1)) for p in dumps]
    print(f"CPU instructions per call (callgrind, {CALLS} calls after 3 warmup; uncached):")
    for i, name in enumerate(names):
        print(f"  {name:30} {totals[i + 1] / CALLS / 1e6:7.2f} M")


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.path.insert(0, str(ROOT))
        child()
    else:
        main()
