"""Networks, grouped by family."""
