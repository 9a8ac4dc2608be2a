"""Text knowledge with no language or model in it (the bottom layer): Unicode clean-up,
scripts, block and boundary splitting, token-budget chunking."""
