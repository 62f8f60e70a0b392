"""Fetching public sources over HTTP (Polisen's open events API)."""
