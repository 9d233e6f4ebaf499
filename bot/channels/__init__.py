"""Custom Rasa input/output channels: Telegram and SMS (Twilio), and what they share."""
