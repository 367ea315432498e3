"""Where mentions come from besides Qualtrics: export files, webhook JSON, the demo generator; ingest."""
