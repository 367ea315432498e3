"""Qualtrics: the REST client, the export jobs, incremental pulls, background pulls, setup steps."""
