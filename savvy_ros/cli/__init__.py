"""The `savvy-ros` command line: one module per subcommand, registered in main.py."""
