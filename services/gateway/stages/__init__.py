"""A competition's stages: their settings, schedule, transitions and re-runs."""
