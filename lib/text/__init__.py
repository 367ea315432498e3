"""Text: enrichment at ingest, the stored term index, the boolean query language, topics, stopwords."""
