"""Classification heads and losses, grouped by family."""
