"""Emulators of the public APIs `scan --verify` asks, one module per provider, each following its documentation."""
