"""Fixtures for the WordPress import tests: the hand-made exports and an uploads folder."""

import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from PIL import Image as PILImage

FIXTURES = Path(__file__).parent / "fixtures"
NEWSROOM = FIXTURES / "newsroom.xml"


def jpeg(color="#336699", size=(640, 480)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


def uploads_folder() -> Path:
    """A copied wp-content/uploads with river.jpg (missing.jpg is missing on purpose)."""
    root = Path(tempfile.mkdtemp(prefix="wp-uploads-"))
    (root / "2026" / "03").mkdir(parents=True)
    (root / "2026" / "03" / "river.jpg").write_bytes(jpeg())
    return root


def run_import(path=NEWSROOM, *args) -> str:
    out = io.StringIO()
    call_command("import_wordpress", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write_export(tmp_dir: Path, name: str, text: str | bytes) -> Path:
    path = Path(tmp_dir) / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path
