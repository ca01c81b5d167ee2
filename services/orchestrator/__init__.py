"""The orchestrator service: executions of submissions.

Consumes ``submission.queued`` / ``submission.cancelled``, schedules runs up to a
concurrency limit, runs each one through an ``Executor`` (the local bubblewrap sandbox
here; Kubernetes later) and publishes ``execution.started`` / ``execution.finished``.
"""
