"""Code both the Rasa server and the action server use (no import of bot/ or actions/)."""
