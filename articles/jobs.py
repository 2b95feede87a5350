"""The articles app's recurring jobs (run by every task worker, once per period across all of
them: `articles.background.recurring`)."""

from datetime import timedelta

from articles.background.recurring import recurring
from articles.search import vocabulary
from articles.services import run_due


@recurring("publish-due", every=timedelta(seconds=30))
def publish_due():
    """Flip due scheduled articles live and take expired ones down (`services.run_due`)."""
    return run_due()


@recurring("search-vocabulary", every=timedelta(hours=1))
def search_vocabulary():
    """Rebuild the words "Did you mean" corrects towards from the published articles."""
    return {"words": vocabulary.rebuild()}
