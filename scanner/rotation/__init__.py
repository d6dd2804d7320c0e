"""Incident-response rotation: plan, mint, store in Vault, verify, revoke, hand over to the PR step."""
