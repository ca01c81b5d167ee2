"""Executors: where a run happens. ``base`` is the seam the scheduler knows; ``local`` (the
bubblewrap sandbox on this machine) and ``kubernetes`` (a pod per run) implement it and
are kept independent of each other by an import-linter contract."""
