"""The content API (`/api/v1/`): reads of published content, writes with API keys, webhooks.

Its own Django app (label `api`) nested under articles: it owns API keys, webhooks and their
deliveries. It sits at the top of the articles layers, beside the other entry points: it uses
the services, the published rule and the purge path, and nothing below imports it.
"""
