"""The leaderboard service: a ranked read model of scored submissions.

Consumes ``submission.scored``, ``submission.scoring_failed``, ``competition.updated``,
``final_selection.changed`` and ``competition.revealed``; serves, per competition stage,
the public board (each team's best public entry) and the private board (each team's
best private entry among its final submissions), the latter hidden from participants
until the reveal, both ranked by the stage's columns (``ranking``), with ETags, a team's
own standing, a CSV export for hosts and live updates (SSE). Hidden columns show only
after the reveal (or to the host's view of the private board).
Owns the ``entries``, ``team_best``, ``final_selections`` and ``competitions`` tables;
publishes nothing.
"""
