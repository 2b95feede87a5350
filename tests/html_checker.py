"""The W3C HTML checker (vnu.jar from npm's `vnu-jar`, run on Debian's Java) for whole pages.

One Java start costs seconds, so check every page of a test in one call:
`html_errors({"home": html, "article": html})` returns `{"home": [...], "article": [...]}`, each
a list of "line N: message" strings for the checker's errors (warnings and info are left out).
"""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

VNU_JAR = Path(__file__).resolve().parent / "e2e" / "node_modules" / "vnu-jar" / "build" / "dist"
VNU_JAR = VNU_JAR / "vnu.jar"


def checker_available() -> bool:
    return VNU_JAR.exists() and shutil.which("java") is not None


def require_checker():
    """Skip (or, in CI, fail) when the checker cannot run: `make test` installs it."""
    if checker_available():
        return
    import os

    message = f"The W3C HTML checker needs Java and {VNU_JAR} (make test runs npm ci)."
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def html_errors(documents: dict[str, str | bytes]) -> dict[str, list[str]]:
    """Check each named HTML document; return its checker errors."""
    require_checker()
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        paths = {}
        for index, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"{index}.html"
            path.write_bytes(html if isinstance(html, bytes) else html.encode())
            paths[path.as_uri()] = name
        result = subprocess.run(  # noqa: S603 (our own arguments)
            [
                shutil.which("java"),
                "-Xss4m",
                "-jar",
                str(VNU_JAR),
                "--format",
                "json",
                "--exit-zero-always",
                *(str(Path(folder) / f"{i}.html") for i in range(len(documents))),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    errors = {name: [] for name in documents}
    for message in json.loads(result.stderr or result.stdout)["messages"]:
        if message.get("type") != "error":
            continue
        url = message.get("url", "")
        name = paths.get(url) or paths.get(url.replace("file:/", "file:///", 1))
        errors.setdefault(name or url, []).append(
            f"line {message.get('lastLine', '?')}: {message['message']}"
        )
    return errors
