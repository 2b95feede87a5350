"""Web push: readers' subscriptions by topic, and editors' sends (docs/alerts-and-push.md)."""
