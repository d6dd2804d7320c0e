"""Opt-in, read-only liveness checks of found secrets (`keysweep scan --verify`): one call per secret to its
provider's API, only to endpoints the trust model allows. `runner.verify_scan` is the one entry point."""
