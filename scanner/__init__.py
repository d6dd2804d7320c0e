"""keysweep: find leaked secrets, gate commits, rotate what leaked."""

__version__ = "0.1.0"


def _import_msgspec() -> None:
    """Import msgspec (the scan path's records) without typing_extensions, where that is not loaded yet.

    NOTE: msgspec's first import loads typing_extensions only to read type hints, which keysweep's records never
    have it read; typing_extensions in turn loads inspect, ast, dis and tokenize: ~10 ms of every start, the
    pre-commit hook's included. Anything that imports typing_extensions later gets it as usual.
    """
    import sys

    if "msgspec" in sys.modules or "typing_extensions" in sys.modules:
        return
    sys.modules["typing_extensions"] = None  # type: ignore[assignment]  # an import of it fails, as if absent
    try:
        import msgspec  # noqa: F401
    finally:
        del sys.modules["typing_extensions"]


_import_msgspec()
