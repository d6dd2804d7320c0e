"""`python -m scanner` runs the keysweep command line."""

from scanner.cli import entry

if __name__ == "__main__":
    entry()
