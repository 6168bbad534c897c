"""The `etabli` command line: `main.py` builds the parser and dispatches, and each other
module holds one command group (its arguments and what it runs). The work itself lives in
the station and the packages below it; nothing here is imported by them, nor by the GUI."""
