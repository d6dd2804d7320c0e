"""The incident report: per secret its exposure in git, names, liveness, rotation status and next action."""
