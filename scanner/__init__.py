"""keysweep: find leaked secrets, gate commits, rotate what leaked."""

__version__ = "0.1.0"
