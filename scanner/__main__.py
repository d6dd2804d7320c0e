"""`python -m scanner` runs the keysweep command line."""

from scanner.cli import main

if __name__ == "__main__":
    main()
