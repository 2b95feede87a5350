"""The article page's own markup, kept beside the article (`articles/pages/markup.py`
renders it)."""

from django.db import models


class ArticleMarkup(models.Model):
    """What the article page shows of the article alone (header, lead image, corrections,
    tags, the head's links and structured data), and its card, rendered once and kept.

    `digest` names what it was rendered from: the article's page row (with its section and
    lead image), the publication's settings, the settings and code that shape the markup. A
    page uses the kept parts only when its own row gives the same digest, so a change the
    purges miss can never show stale markup; it renders afresh and keeps that instead. Only
    public articles' markup is kept (never a preview's)."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="markup"
    )
    digest = models.CharField(max_length=64, blank=True)
    # The parts, one column each (a page reads them as they are: no parsing).
    title = models.TextField(blank=True)
    meta = models.TextField(blank=True)
    head = models.TextField(blank=True)
    header = models.TextField(blank=True)
    figure = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    tags = models.TextField(blank=True)
    # The article's card on listings (`<h2>` headline) and on the home page and under articles
    # (`<h3>`), with their own digest: a card's row is smaller than the page's.
    card_digest = models.CharField(max_length=64, blank=True)
    card_h2 = models.TextField(blank=True)
    card_h3 = models.TextField(blank=True)
    rendered_at = models.DateTimeField(auto_now=True)

    PARTS = ("title", "meta", "head", "header", "figure", "notes", "tags")
    CARDS = {2: "card_h2", 3: "card_h3"}

    class Meta:
        verbose_name = "article markup"
        verbose_name_plural = "article markup"

    def __str__(self):
        return f"Markup of article {self.article_id}"
