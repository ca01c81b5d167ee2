"""The scorer service: validates a run's predictions against the hidden labels and
computes the competition's metric on the public and private rows.

Consumes ``execution.finished``; publishes ``submission.scored`` or
``submission.scoring_failed`` through its outbox. Owns the ``scores`` table.
"""
