"""The detection engine: compiled rules, the one-pass keyword matcher, confirmation and decoding."""
