"""Rasa-side code of the EMILE assistant: NLG, catalogues, channels, language detection."""
