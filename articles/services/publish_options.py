"""Choices on the publish step that a capability above the admin acts on once the story is
live (the newsletters' "send to Breaking").

The capability registers an option in its AppConfig.ready(); the admin shows each option's
choices beside the Publish button; `publish_now(options=…)` runs the chosen ones after the
publish commits, and only if the story is then public (never for a draft).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from articles.models import Article


@dataclass(frozen=True)
class PublishOption:
    name: str  # the form field's name: publish-<name>
    label: str  # the legend shown above the choices
    choices: Callable[[], list[tuple[int, str]]]  # (value, label) pairs, asked per page
    # apply(article=, by=, values=) -> messages for the editor about what could not be done
    apply: Callable[..., list[str]]


_OPTIONS: dict[str, PublishOption] = {}


def register_publish_option(option: PublishOption) -> None:
    _OPTIONS[option.name] = option


def publish_options() -> list[PublishOption]:
    """The registered options that offer at least one choice now."""
    return [option for option in _OPTIONS.values() if option.choices()]


def run_on_commit(*, article: Article, by, chosen: dict[str, list[str]], report=None) -> None:
    """After the surrounding transaction commits, run each chosen option for `article` if it is
    public then; `report(message)` hears what could not be done."""

    def run():
        if not Article.objects.published().filter(pk=article.pk).exists():
            return
        for name, values in chosen.items():
            option = _OPTIONS.get(name)
            if option is None or not values:
                continue
            for message in option.apply(article=article, by=by, values=values):
                if report is not None:
                    report(message)

    transaction.on_commit(run)
