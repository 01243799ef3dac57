"""Every ``coverage`` subcommand: argument parsing over the package's library functions.

One module per area registers its subcommands. Handlers import the library they
call when they run, not at start-up: importing torch is slow and large, and
``coverage --help`` or ``coverage ingest`` never use it.
"""

COMMAND_MODULES = (
    "coverage.commands.data",
    "coverage.commands.simulate",
    "coverage.commands.models",
    "coverage.commands.family",
    "coverage.commands.export",
    "coverage.commands.report",
)
