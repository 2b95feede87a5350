"""WordPress import benchmark: posts/s, the importer's peak RSS, the total time, and how much
faster a re-run of the unchanged export is.

Usage: .venv/bin/python scripts/bench_wpimport.py [--posts 100000] [--attachments 20000]
       [--rounds 3] [--without-media] [--database-url postgres://…/newsroom_bench]

`--without-media`: the export still lists the attachments, but the import is given no
`--media-from` (the speed goal's case: they are counted and skipped, posts are timed).

Generates a synthetic export (Gutenberg and classic bodies, categories, tags, three authors,
Co-Authors Plus bylines; attachments as small local JPEG files when --attachments > 0),
migrates a throwaway database (an SQLite file unless --database-url is given; that database
is created by `migrate` and must be one you can drop), then runs `manage.py import_wordpress`
in a child process — once on the empty database, then again on the unchanged export — and
prints the median of the rounds with the load average beside it. Goals (issue 24): ≥ 300
posts/s without media, peak RSS under 300 MB whatever the file's size, a re-run ≥ 3× faster.
"""

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "council river budget school harbour election mayor flood bridge railway strike housing "
    "energy court hospital festival market museum storm farm"
).split()
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench</title><link>https://bench.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example</wp:base_site_url>
"""


def words(n, seed):
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(n))


def write_export(path: Path, posts: int, attachments: int, uploads: Path | None) -> None:
    jpeg = None
    if attachments:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), "#336699").save(buffer, format="JPEG")
        jpeg = buffer.getvalue()
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEAD)
        for login in ("ana", "ben", "cho"):
            out.write(
                f"<wp:author><wp:author_login>{login}</wp:author_login><wp:author_email>"
                f"{login}@bench.example</wp:author_email><wp:author_display_name>{login.title()}"
                "</wp:author_display_name></wp:author>\n"
            )
        for n in range(1, attachments + 1):
            name = f"2026/01/photo-{n}.jpg"
            if uploads is not None:
                target = uploads / name
                target.parent.mkdir(parents=True, exist_ok=True)
                # Distinct bytes per file (a comment after the JPEG end marker), so no dedupe.
                target.write_bytes(jpeg + f"{n}".encode())
            out.write(
                f"<item><title>Photo {n}</title><wp:post_id>{n}</wp:post_id>"
                "<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>"
                f"<wp:attachment_url>https://bench.example/wp-content/uploads/{name}"
                "</wp:attachment_url><wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key>"
                f"<wp:meta_value>{name}</wp:meta_value></wp:postmeta></item>\n"
            )
        base = attachments + 1
        for n in range(posts):
            wp_id = base + n
            title = f"{words(6, n).capitalize()} {n}"
            if n % 2:
                body = (
                    f"<!-- wp:paragraph --><p>{words(40, n)}</p><!-- /wp:paragraph -->\n\n"
                    f"<!-- wp:heading --><h2>{words(4, n + 1)}</h2><!-- /wp:heading -->\n\n"
                    f"<!-- wp:paragraph --><p>{words(60, n + 2)}</p><!-- /wp:paragraph -->"
                )
            else:
                body = f"{words(40, n)}\n\n{words(50, n + 1)}\n[caption]x[/caption]"
            thumb = ""
            if attachments:
                thumb = (
                    "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>"
                    f"{n % attachments + 1}</wp:meta_value></wp:postmeta>"
                )
            out.write(
                f"<item><title>{title}</title>"
                f"<link>https://bench.example/2026/01/post-{n}/</link>"
                f"<dc:creator>{('ana', 'ben', 'cho')[n % 3]}</dc:creator>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<excerpt:encoded><![CDATA[{words(20, n)}]]></excerpt:encoded>"
                f"<wp:post_id>{wp_id}</wp:post_id>"
                f"<wp:post_date>2026-01-01 10:00:00</wp:post_date>"
                f"<wp:post_date_gmt>2026-01-01 09:00:00</wp:post_date_gmt>"
                f"<wp:post_name>post-{n}</wp:post_name>"
                f"<wp:status>{'publish' if n % 10 else 'draft'}</wp:status>"
                "<wp:post_type>post</wp:post_type>"
                f'<category domain="category" nicename="{WORDS[n % 8]}">{WORDS[n % 8]}</category>'
                f'<category domain="post_tag" nicename="{WORDS[n % 20]}">{WORDS[n % 20]}</category>'
                f"{thumb}</item>\n"
            )
        out.write("</channel></rss>\n")


RUN_AND_MEASURE = """
import resource, runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("PEAK_RSS_KB", usage.ru_maxrss, file=sys.stderr)
    print("CPU_SECONDS", usage.ru_utime + usage.ru_stime, file=sys.stderr)
"""


def child(args, env) -> tuple[float, int]:
    """Run manage.py in a child process: (seconds, that process's peak RSS in MB); the
    process's own CPU seconds (not the database's) are added to CPU."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", RUN_AND_MEASURE, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    CPU.append(float(re.search(r"CPU_SECONDS ([\d.]+)", done.stderr).group(1)))
    return seconds, int(re.search(r"PEAK_RSS_KB (\d+)", done.stderr).group(1)) // 1024


CPU: list[float] = []


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--attachments", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--without-media", action="store_true")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-wpimport-"))
    try:
        uploads = work / "uploads"
        export = work / "export.xml"
        with_media = options.attachments and not options.without_media
        write_export(export, options.posts, options.attachments, uploads if with_media else None)
        size_mb = export.stat().st_size / 1e6
        env = {
            **os.environ,
            "DJANGO_SECRET_KEY": os.environ.get(
                "DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop"
            ),
            "NEWSROOM_TASKS": "immediate",
            "MEDIA_ROOT": str(work / "media"),
            "NEWSROOM_INCOMING_ROOT": str(work / "incoming"),
        }
        media = ["--media-from", str(uploads)] if with_media else []
        firsts, reruns, peaks, loads = [], [], [], []
        for round_ in range(options.rounds):
            env["DATABASE_URL"] = options.database_url or f"sqlite:///{work}/round{round_}.sqlite3"
            child(["migrate", "--no-input"], env)
            if options.database_url:
                child(["flush", "--no-input"], env)
            first, peak = child(["import_wordpress", str(export), *media], env)
            cpu_first = CPU[-1]
            again, peak_again = child(["import_wordpress", str(export), *media], env)
            cpu_again = CPU[-1]
            load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
            loads.append(load)
            print(
                f"round {round_ + 1}: first {first:.1f} s ({options.posts / first:.0f} posts/s, "
                f"{peak} MB, importer CPU {cpu_first:.1f} s), re-run {again:.1f} s "
                f"({peak_again} MB, CPU {cpu_again:.1f} s); load average {load}",
                flush=True,
            )
            firsts.append(first)
            reruns.append(again)
            peaks.append(max(peak, peak_again))
        first, again = statistics.median(firsts), statistics.median(reruns)
        print(f"export: {options.posts} posts, {options.attachments} attachments, {size_mb:.1f} MB")
        print(f"media: {'imported from a local folder' if with_media else 'not imported'}")
        rate = options.posts / first
        print(
            f"first import: {first:.1f} s, {rate:.0f} posts/s (median of {options.rounds}; "
            "the whole command, start-up included)"
        )
        print(
            f"re-run (unchanged): {again:.1f} s, {options.posts / again:.0f} posts/s, "
            f"{first / again:.1f}× faster"
        )
        print(f"peak RSS of the importer: {max(peaks)} MB")
        print(f"load average after each round: {' | '.join(loads)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
