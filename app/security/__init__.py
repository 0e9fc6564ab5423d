"""Authentication, roles and the web security baseline."""
