"""What the Rasa server (bot/) and the action server (actions/) share; pydantic 1, PyYAML."""
