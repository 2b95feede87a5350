"""Peak memory (RSS) of one process handling one upload, before and after the media library.

    .venv/bin/python scripts/upload_memory.py

Each case runs in a fresh Python process and prints its resident set size after start-up
(imports done) and its peak (VmHWM) after handling the file, so the growth is what one web
request (or one task) costs. Not affected by other load on the machine.
"""

import io
import os
import subprocess
import sys
import tempfile

CASES = {
    "request, 6300x6300 PNG (header only; re-encoded by the worker)": "request",
    "worker, 6300x6300 PNG (decode, 2048 px master)": "worker",
    "before: request decoded the 6300x6300 PNG in full": "old",
    "request, 45 MP JPEG (draft() decode to the 2048 px master)": "request-jpeg",
    "before: request decoded the 45 MP JPEG in full": "old-jpeg",
}


def rss_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def make_files(folder):
    from PIL import Image

    png = os.path.join(folder, "big.png")
    Image.new("RGB", (6300, 6300), "#336699").save(png, format="PNG", optimize=True)
    jpeg = os.path.join(folder, "camera.jpg")
    Image.new("RGB", (8256, 5504), "#996633").save(jpeg, format="JPEG", quality=90)
    return png, jpeg


def run_case(case, path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageOps

    from articles.media import validation as images

    with open(path, "rb") as f:
        data = f.read()
    name = os.path.basename(path)
    before = rss_kb("VmRSS")
    upload = SimpleUploadedFile(name, data)
    if case == "request":
        header = images.inspect_upload(upload)
        if not images.needs_worker(header):  # the request stops here and stores the bytes
            raise SystemExit("expected the PNG to go to the worker")
    elif case == "request-jpeg":
        header = images.inspect_upload(upload)
        if images.needs_worker(header):
            raise SystemExit("expected the JPEG to be re-encoded in the request")
        images.reencode_image(upload, max_edge=images.MASTER_MAX_EDGE)
    elif case == "worker":
        pixels = images.decode(upload, max_edge=images.MASTER_MAX_EDGE)
        images.encode(pixels, "PNG")
    else:  # the code before the media library: decode everything, in the request
        image = Image.open(io.BytesIO(data))
        image.load()
        image = ImageOps.exif_transpose(image)
        image.save(io.BytesIO(), format=image.format or "PNG")
    peak = rss_kb("VmHWM")
    print(f"{before / 1024:.0f} {peak / 1024:.0f}")


def main():
    if len(sys.argv) == 3:
        run_case(sys.argv[1], sys.argv[2])
        return
    with tempfile.TemporaryDirectory() as folder:
        png, jpeg = make_files(folder)
        print(f"PNG on disk: {os.path.getsize(png) / 1024:.0f} KB, 6300 x 6300")
        print(f"JPEG on disk: {os.path.getsize(jpeg) / 1024:.0f} KB, 8256 x 5504\n")
        print(f"{'case':<66} {'start MB':>9} {'peak MB':>8} {'growth':>7}")
        for label, case in CASES.items():
            path = jpeg if case.endswith("jpeg") else png
            out = subprocess.run(  # noqa: S603 (this script)
                [sys.executable, __file__, case, path], capture_output=True, text=True, check=True
            ).stdout.split()
            start, peak = int(out[-2]), int(out[-1])
            print(f"{label:<66} {start:>9} {peak:>8} {peak - start:>7}")


if __name__ == "__main__":
    main()
