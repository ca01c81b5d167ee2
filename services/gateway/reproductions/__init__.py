"""A host's reproducibility re-runs of scored submissions."""
