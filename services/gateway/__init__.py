"""The gateway: the one public REST API of Holdout.

It owns users and their tokens, teams, competitions (metadata, test data, labels) and
submissions as participants see them, with their quotas. It publishes
``submission.queued`` / ``submission.cancelled`` / ``competition.revealed`` through its
outbox and follows every submission to a terminal state from the events the
orchestrator and scorer publish (and from dead letters). Leaderboards and logs are
proxied over HTTP so that one OpenAPI document covers everything a user does.

Layout: one feature package per domain (``auth``, ``competitions``, ``teams``,
``submissions``, ``leaderboard``), each with ``endpoints -> service -> repository``.
"""
