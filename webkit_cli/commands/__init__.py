"""One module per command; cli.COMMANDS maps the names to them."""
