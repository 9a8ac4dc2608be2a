"""The `newsbridge` command line: thin typer commands over plain functions."""
