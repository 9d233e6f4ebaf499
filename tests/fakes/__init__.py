"""Local fake servers of the providers the channels talk to (Telegram Bot API, Twilio)."""
