"""Rasa NLU graph components of this project (named by module path in config.yml)."""
