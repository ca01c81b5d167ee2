"""Submissions: upload, quota, the status a participant sees, cancel, logs."""
