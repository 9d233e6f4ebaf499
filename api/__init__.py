"""EMILE operator API: applications, territories, workshops, callbacks and access control."""
