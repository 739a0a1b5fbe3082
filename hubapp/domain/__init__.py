"""Domain rules: plain Python, no Qt, no database."""
