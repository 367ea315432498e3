"""Alerts after each pull: rules, their evaluation on the new data, and delivery by webhook and email."""
