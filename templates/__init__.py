"""Report and scaffold templates, read as package data."""
