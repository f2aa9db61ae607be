"""Dataset formats, generators and validation suites."""
