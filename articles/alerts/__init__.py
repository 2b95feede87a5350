"""Breaking alerts: the site-wide banner editors set (docs/alerts-and-push.md)."""
