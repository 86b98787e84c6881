"""One module per `tsqa` subcommand; see tsqa/cli.py for the contract."""
