"""Real-browser journeys (pytest -m e2e)."""
