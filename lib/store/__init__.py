"""The local DuckDB store of mentions, its shared Parquet snapshot, and whole rows by key."""
