"""What leaves the app: the CSV export of the filtered mentions and its manifest."""
