"""Newsletters: sign-up with double opt-in, consent records, one-click unsubscribe, issues
composed from published articles, and sends that reach each recipient exactly once.

`models` (newsletters, subscribers and their subscriptions, issues, one delivery row per
recipient, the suppression list), `conf` (settings with defaults), `tokens` (the signed links),
`emails` (the messages: issue HTML with CSS inlined, its text part, the headers), `services`
(every state change), `sending` (batches on the task queue), `jobs` (the lease sweep).
docs/newsletters.md is the guide.
"""
