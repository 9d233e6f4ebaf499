"""Request and response bodies of the operator API."""
