"""One thin module per command: options in, a job called, the report printed."""
