"""The body sanitiser against an XSS / mutation-XSS corpus, and Hypothesis properties.

Properties (any input): cleaning is idempotent (clean(clean(x)) == clean(x)), and the result,
parsed the way a browser parses it, has no event-handler attribute, no `javascript:`/`data:`/
`vbscript:` URL, no element outside the allowlist and no attribute outside it. The creative
sanitiser (HTML ads) is held to the same properties.
"""

from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ads.models.creatives import clean_creative_html
from articles.richtext.sanitizer import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, clean_html

CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt&colon;alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#10;ascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    "<base href=javascript:alert(1)//>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    '<img src="x` `<script>alert(1)</script>"` `>',
    "<a href=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>x</a>",
    '<img src=1 href=1 onerror="javascript:alert(1)">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<p>{{ settings.SECRET_KEY }}{% load static %}</p>",
]
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"handler {name}")
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}:
                self.problems.append(f"attribute {tag}.{name}")
            squashed = "".join((value or "").split()).lower()
            if squashed.startswith(BAD_SCHEMES):
                self.problems.append(f"url {name}={value}")


def problems(html: str) -> list[str]:
    audit = _Audit()
    audit.feed(html)
    audit.close()
    return audit.problems


def test_corpus_is_neutralised_and_stable():
    for payload in CORPUS:
        cleaned = clean_html(payload)
        assert problems(cleaned) == [], (payload, cleaned)
        assert clean_html(cleaned) == cleaned, payload
        assert "<script" not in cleaned.lower()


def test_template_syntax_stays_text():
    assert clean_html("<p>{{ settings.SECRET_KEY }}</p>") == "<p>{{ settings.SECRET_KEY }}</p>"


# Markup-shaped text: fragments of tags, attributes, schemes and entities in any order.
PIECES = st.sampled_from(
    [
        "<", ">", "/", "=", '"', "'", " ", "\t", "\n", "&", "#", ";", "&lt;", "&#106;",
        "&colon;", "<!--", "-->", "<![CDATA[", "]]>", "script", "img", "a", "svg", "math",
        "style", "iframe", "p", "mglyph", "mtext", "table", "noscript", "template", "src",
        "href", "onerror", "onload", "onclick", "javascript:", "JaVaScRiPt:", "data:",
        "vbscript:", "alert(1)", "x", "title", "rel", "width", "strong", "<p>", "</p>",
        "<a href=", "<img src=", "</", "\x00",
    ]
)  # fmt: skip
MARKUP = st.lists(PIECES, max_size=40).map("".join) | st.text(max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKUP)
def test_cleaning_is_idempotent_and_never_yields_handlers_or_script_urls(html):
    cleaned = clean_html(html)
    assert clean_html(cleaned) == cleaned
    assert problems(cleaned) == []


@settings(max_examples=150, deadline=None)
@given(MARKUP)
def test_creative_html_sanitiser_never_yields_handlers_or_script_urls(html):
    cleaned = clean_creative_html(html)
    assert clean_creative_html(cleaned) == cleaned
    assert not [p for p in problems(cleaned) if p.startswith(("handler", "url"))]
