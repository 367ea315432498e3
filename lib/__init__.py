"""Social Connect Explorer's pure logic. Never imports Streamlit (a test walks the package to check)."""
