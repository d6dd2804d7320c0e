"""Local emulators of the SaaS APIs keysweep talks to, for tests only."""
