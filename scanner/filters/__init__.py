"""Filters: small `is_*` predicates that tell a real secret from a placeholder, a reference or an allowed one."""
