"""Issue 12: `scripts/audit` (pip-audit over requirements.lock) fails on a known vulnerability.

The real script and the real pip-audit run against a fake PyPI vulnerability feed on loopback
(tests/security/fake_pypi.py): a made-up advisory for the locked Django fails the audit and
names its ID; the same ID in an allowlist file, with a reason, passes; an allowlist line
without a reason is refused. Where the feed cannot be reached the script warns loudly.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.fake_pypi import FakePyPI, advisory

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
FAKE_ID = "PYSEC-2099-0001"


def locked(name):
    for line in LOCK.read_text().splitlines():
        if line.lower().startswith(f"{name}=="):
            return line.split("==", 1)[1]
    raise AssertionError(f"{name} not in requirements.lock")


def audit(tmp_path, allowlist_text, proxy, ca, **extra_env):
    allowlist = tmp_path / "allowlist"
    allowlist.write_text(allowlist_text)
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
    env.update(
        PY=sys.executable,
        AUDIT_ALLOWLIST=str(allowlist),
        PIP_AUDIT_CACHE_DIR=str(tmp_path / "cache"),
        NO_PROXY="",
        no_proxy="",
        HTTPS_PROXY=proxy,
        REQUESTS_CA_BUNDLE=str(ca),
        **extra_env,
    )
    if "AUDIT_STRICT" not in extra_env:
        env.pop("AUDIT_STRICT", None)
    return subprocess.run(  # noqa: S603 (our own script)
        [shutil.which("bash") or "/bin/bash", str(ROOT / "scripts" / "audit")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def feed(tmp_path):
    django = ("django", locked("django"))
    with FakePyPI({django: [advisory(FAKE_ID, ["99.0"])]}, tmp_path) as fake:
        yield fake


def test_a_known_vulnerability_fails_the_audit_and_names_it(tmp_path, feed):
    result = audit(tmp_path, "# nothing accepted\n", feed.url, feed.ca_bundle)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert FAKE_ID in output and "django" in output.lower()
    assert "known vulnerabilities above" in output
    # Every locked requirement was asked about, through the fake feed only.
    assert len(feed.asked) == sum("==" in line for line in LOCK.read_text().splitlines())
    assert feed.refused == []
    assert "could not be checked" not in output


def test_an_allowlisted_vulnerability_with_a_reason_passes(tmp_path, feed):
    allow = f"{FAKE_ID}  made up for the audit test; not in any Django release (review 2099-01)\n"
    result = audit(tmp_path, allow, feed.url, feed.ca_bundle)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "No known vulnerabilities found" in output and "1 ignored" in output


def test_an_allowlist_line_without_a_reason_is_refused(tmp_path, feed):
    result = audit(tmp_path, f"{FAKE_ID}\n", feed.url, feed.ca_bundle)
    assert result.returncode == 2
    assert f"'{FAKE_ID}' has no reason" in result.stderr
    assert feed.asked == []  # refused before asking anything


def test_a_feed_without_answers_is_a_loud_warning_not_a_pass(tmp_path):
    # As from this machine: pypi.org answers 404 for every per-version document.
    with FakePyPI({}, tmp_path, versions_missing=True) as fake:
        result = audit(tmp_path, "", fake.url, fake.ca_bundle)
        assert result.returncode == 0, result.stderr
        assert "could not be checked" in result.stderr and "nothing was proven" in result.stderr
        strict = audit(tmp_path, "", fake.url, fake.ca_bundle, AUDIT_STRICT="1")
        assert strict.returncode == 1 and "nothing was proven" in strict.stderr
