"""The leaderboard service: a ranked read model of scored submissions.

Consumes ``submission.scored``, ``submission.scoring_failed``, ``competition.updated``,
``final_selection.changed`` and ``competition.revealed``; serves the public board
(each team's best public score) and the private board (each team's best private score
among its final submissions), the latter hidden from participants until the reveal,
with ETags, a team's own standing, a CSV export for hosts and live updates (SSE).
Owns the ``entries``, ``team_best``, ``final_selections`` and ``competitions`` tables;
publishes nothing.
"""
