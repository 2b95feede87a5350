"""Issue 12, hole 5: hostile values in every URL parameter and query parameter: never a 500.

Generated from the URL resolver (tests/security/urlmap.py): every route's captured parameters
get NUL, invalid UTF-8, integers past 64 bits, invalid dates, overlong strings and traversal
names, for readers and for a superuser; every changelist and listing gets the same in its
query parameters (its filters, search, ordering, date drill-down, page). 400 or 404 (or the
admin's "invalid filter" redirect) are fine; a 500 is a failure.
"""

from django.contrib import admin
from django.test import Client, TestCase
from django.urls import reverse

from articles import services
from tests.articles.test_services import ready_article
from tests.factories import UserFactory
from tests.security.urlmap import fill, url_patterns

HOSTILE = {
    "nul": "%00",
    "control": "a%0Ab%1B",
    "invalid utf-8": "%FF%FE%C0%AF",
    "past 64 bits": "99999999999999999999",
    "past datetime": "99999999999",
    "negative": "-1",
    "invalid date": "2026-02-30",
    "overlong": "a" * 4096,
    "traversal": "..%2F..%2Fetc%2Fpasswd",
}
# Query values by what the parameter is: a filter on a key or choice, a date part, anything.
KEY_VALUES = {k: HOSTILE[k] for k in ("past 64 bits", "invalid utf-8")}
DATE_VALUES = {k: HOSTILE[k] for k in ("past datetime", "invalid date")}
ANY_VALUES = {k: HOSTILE[k] for k in ("nul", "invalid utf-8", "past 64 bits", "overlong")}
# What Django's changelist reads itself (the same code for every model: swept on one).
CHANGELIST_PARAMS = ["q", "o", "p", "e", "_to_field", "all"]
PUBLIC_PARAMS = ["page", "q", "next"]
# The autocomplete view reads these and looks the names up.
AUTOCOMPLETE = "app_label=ads&model_name=sponsorship&field_name=article"


def changelist_params(model_admin) -> list[str]:
    """The query parameters a changelist understands: filters, date drill-down, search, order."""
    params = []
    for item in model_admin.list_filter:
        field = item if isinstance(item, str) else item[0] if isinstance(item, tuple) else None
        if field:
            params += [(f"{field}__exact", KEY_VALUES), (f"{field}__id__exact", KEY_VALUES)]
        else:
            params.append((item.parameter_name, KEY_VALUES))
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        params += [(f"{field}__{part}", DATE_VALUES) for part in ("year", "month", "day")]
    return params


class HostileInputSweepTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.root = UserFactory(username="root", is_superuser=True)
        cls.article = ready_article(draft=True)
        services.record_revision(article=cls.article, by=cls.root, reason="Created")
        services.record_revision(article=cls.article, by=cls.root, reason="Edited")

    def sweep(self, urls, *, roles=("anonymous", "superuser")):
        clients = {"anonymous": Client(), "superuser": Client()}
        clients["superuser"].force_login(self.root)
        failures = []
        for role in roles:
            client = clients[role]
            client.raise_request_exception = False
            for label, url in urls:
                response = client.get(url)
                if response.status_code >= 500:
                    failures.append((role, label, url[:120], response.status_code))
        return failures

    def test_hostile_values_in_every_url_parameter(self):
        urls = [
            (f"{pattern.name} = {label}", fill(pattern.sample, value))
            for pattern in url_patterns()
            if pattern.params
            for label, value in HOSTILE.items()
        ]
        assert len(urls) > 100  # the resolver walk found the site
        assert self.sweep(urls) == []

    def test_hostile_values_in_every_query_parameter(self):
        def each(base, params):
            return [
                (f"{base} {param}={k}", f"{base}?{param}={v}")
                for param, values in params
                for k, v in values.items()
            ]

        admin_urls = each("/admin/articles/article/", [(p, ANY_VALUES) for p in CHANGELIST_PARAMS])
        for model, model_admin in admin.site._registry.items():
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            admin_urls += each(base, changelist_params(model_admin))
        autocomplete = "/admin/autocomplete/?" + AUTOCOMPLETE + "&"
        for param in ("term", "app_label", "model_name", "field_name"):
            admin_urls += [
                (f"autocomplete {param}", f"{autocomplete}{param}={v}") for v in ANY_VALUES.values()
            ]
        diff = f"/admin/articles/article/{self.article.pk}/revisions/diff/"
        admin_urls += [(f"diff a={k}", f"{diff}?a={v}&b=1") for k, v in ANY_VALUES.items()]
        public_urls = []
        for pattern in url_patterns():
            if not pattern.params and not pattern.is_admin:
                public_urls += each(pattern.sample, [(p, ANY_VALUES) for p in PUBLIC_PARAMS])
        assert self.sweep(admin_urls, roles=["superuser"]) == []
        assert self.sweep(public_urls) == []

    def test_nul_answers_400_with_a_plain_message(self):
        for url in ("/tags/%00/", "/?page=%00", "/admin/autocomplete/?term=%00"):
            with self.subTest(url=url):
                response = self.client.get(url)
                assert response.status_code == 400
                assert response.content == b"This address contains characters that are not allowed."

    def test_out_of_range_date_filters_answer_400(self):
        self.client.force_login(self.root)
        for url in (
            "/admin/articles/article/?published_at__year=99999999999",
            "/admin/axes/accessattempt/?attempt_time__year=99999999999",
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                assert response.status_code == 400
                assert response.content == b"A number or date in this address is out of range."
        # A month lookup with a huge number (no date drill-down any more, so a plain filter):
        # PostgreSQL compares it and finds nothing; SQLite overflows and gets the 400. Never 500.
        url = "/admin/articles/article/?published_at__year=2020&published_at__month=99999999999"
        response = self.client.get(url)
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert response.context["cl"].result_count == 0


# Forged ids for an autocomplete (or any foreign-key) field in an admin form's POST.
FORGED_IDS = {
    "letters": "abc",
    "decimal": "1.5",
    "past 64 bits": "99999999999999999999",
    "negative": "-1",
    "nul": "1\x00",
}


def autocomplete_forms():
    """(model admin, field name) for every admin form field with an autocomplete widget."""
    return [
        (model_admin, name)
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.autocomplete_fields
    ]


class ForgedAutocompleteIdTests(TestCase):
    """A forged id in an autocomplete field (`article=abc` on a correction or a related pin)
    is a form error, never a 500, and saves nothing."""

    @classmethod
    def setUpTestData(cls):
        cls.root = UserFactory(username="root", is_superuser=True)
        cls.article = ready_article()

    def test_every_autocomplete_field_refuses_forged_ids(self):
        self.client.force_login(self.root)
        forms = autocomplete_forms()
        names = {(ma.model._meta.model_name, field) for ma, field in forms}
        assert {("correction", "article"), ("relatedpin", "article")} <= names
        for model_admin, field in forms:
            opts = model_admin.model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            before = model_admin.model._base_manager.count()
            for kind, value in FORGED_IDS.items():
                with self.subTest(model=opts.model_name, field=field, value=kind):
                    response = self.client.post(url, {field: value})
                    assert response.status_code in (200, 400), response.status_code
                    if response.status_code == 200:
                        form = response.context["adminform"].form
                        assert field in form.errors
                    assert model_admin.model._base_manager.count() == before

    def test_correction_and_pin_name_the_field(self):
        self.client.force_login(self.root)
        response = self.client.post(
            reverse("admin:articles_correction_add"),
            {"article": "abc", "kind": "correction", "text": "A forged note."},
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["article"] == [
            "Select a valid choice. That choice is not one of the available choices."
        ]
        response = self.client.post(
            reverse("admin:articles_relatedpin_add"),
            {"article": "abc", "related": self.article.pk, "position": "0"},
        )
        assert response.status_code == 200
        assert "article" in response.context["adminform"].form.errors
