"""The leaderboard service: a ranked read model of scored submissions.

Consumes ``submission.scored`` and ``competition.revealed``; serves the public board
(each team's best public score) and the private board (each team's best private score
among its final submissions), the latter hidden from participants until the reveal.
Owns the ``entries`` and ``competitions`` tables; publishes nothing.
"""
