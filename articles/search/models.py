"""The words of the published articles, for "Did you mean" (articles/search/vocabulary.py)."""

from django.db import models


class SearchWord(models.Model):
    """A word that appears in published articles (headline, standfirst, body or a tag) and in
    how many: what "Did you mean" corrects a slip towards. Rebuilt from the published
    articles by a recurring job (`search-vocabulary`), so it never holds a draft's words for
    long, and a suggestion is only offered when it finds a published article."""

    word = models.CharField(max_length=60, primary_key=True)
    articles = models.PositiveIntegerField(help_text="Published articles that use the word.")

    class Meta:
        verbose_name = "search word"

    def __str__(self):
        return self.word
