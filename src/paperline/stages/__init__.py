"""Stage functions: plain paths and typed configs in, metrics out. They know nothing about KFP."""
