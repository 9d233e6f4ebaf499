"""The action server: form validation, eligibility, API client, outbox and flows."""
