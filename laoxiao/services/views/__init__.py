"""The services pages, one topic per module."""
