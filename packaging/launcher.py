"""The packaged app's entry point: the `etabli` command, as the installed script runs it."""

from bench_app.commands.main import main

if __name__ == "__main__":
    raise SystemExit(main())
