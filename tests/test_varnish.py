"""The shipped Varnish (deploy/varnish/default.vcl) in front of the live test server.

Starts varnishd on a loopback port (needs Debian's `varnish` and `varnish-modules`; `.ci/run`
installs them) and shows: a hit on the second request, the purge on publish making the next
request a miss with the new content, a signed-in editor passing through uncached, and stale
pages served while the app is stopped. Bounded: a few seconds.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import LiveServerTestCase, override_settings

from articles import services
from tests.factories import ArticleFactory, UserFactory

VCL = Path(__file__).resolve().parent.parent / "deploy" / "varnish" / "default.vcl"
PORT = 18120
SEO = "A search description that is comfortably longer than fifty characters."
TTL = 3


def varnish_missing():
    vmod = Path("/usr/lib/x86_64-linux-gnu/varnish/vmods/libvmod_xkey.so")
    return shutil.which("varnishd") is None or not (vmod.exists() or os.environ.get("VMOD_DIR"))


def wait_for_port(port, deadline=60.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.mark.skipif(
    varnish_missing() and not os.environ.get("CI"), reason="varnishd / varnish-modules missing"
)
@override_settings(
    NEWSROOM_PAGE_CACHE=False,  # Varnish alone: every miss reaches the app
    NEWSROOM_CACHE_S_MAXAGE=TTL,
    NEWSROOM_PURGE_URLS=[f"http://127.0.0.1:{PORT}/"],
)
class VarnishTests(LiveServerTestCase):
    host = "127.0.0.1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix="newsroom-varnish-")
        os.chmod(cls.workdir, 0o755)  # noqa: S103 varnishd's compiler runs as another user
        app_port = cls.live_server_url.rsplit(":", 1)[1]
        vcl = Path(cls.workdir) / "default.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000"', f'.port = "{app_port}"'))
        cls.varnish = subprocess.Popen(  # noqa: S603
            ["varnishd", "-F", "-a", f"127.0.0.1:{PORT}", "-f", str(vcl), "-n",  # noqa: S607
             f"{cls.workdir}/n", "-s", "malloc,32m", "-p", "default_ttl=0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(PORT)

    @classmethod
    def tearDownClass(cls):
        cls.varnish.terminate()
        cls.varnish.wait(timeout=10)
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def get(self, path, cookie=None):
        headers = {"Host": "127.0.0.1"}
        if cookie:
            headers["Cookie"] = cookie
        request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.headers, response.read().decode()

    def test_hit_purge_on_publish_editor_passes_and_stale_while_the_app_is_down(self):
        editor = UserFactory(username="ed", role="Editor")
        live = ArticleFactory(headline="Standing story", tags=["Weather"], seo_description=SEO)
        fresh = ArticleFactory(in_review=True, headline="Breaking story", tags=["Weather"],
                               seo_description=SEO)  # fmt: skip

        status, headers, body = self.get("/")
        assert status == 200 and headers["X-Cache"] == "MISS"
        assert "xkey" not in headers
        _, headers, _ = self.get("/")
        assert headers["X-Cache"] == "HIT"

        services.publish_now(article=fresh, by=editor)  # purges "home" at the proxy on commit
        _, headers, body = self.get("/")
        assert headers["X-Cache"] == "MISS"
        assert "Breaking story" in body

        self.client.force_login(editor)
        name = settings.SESSION_COOKIE_NAME
        cookie = f"{name}={self.client.cookies[name].value}"
        for _ in range(2):
            _, headers, _ = self.get("/", cookie=cookie)
            assert headers["X-Cache"] == "PASS"
            assert headers["Cache-Control"] == "private, no-cache"

        status, headers, _ = self.get(live.get_absolute_url())
        _, headers, body = self.get(live.get_absolute_url())
        assert headers["X-Cache"] == "HIT"
        self.server_thread.terminate()  # the app is down
        time.sleep(TTL + 2.5)  # past the page's lifetime, and the probe has seen the app fail
        status, headers, body = self.get(live.get_absolute_url())
        assert status == 200
        assert "Standing story" in body
        assert int(headers["Age"]) > TTL
