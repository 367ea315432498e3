"""The only Streamlit-aware code besides app.py and pages/: state, cached loaders, the shared frame."""
