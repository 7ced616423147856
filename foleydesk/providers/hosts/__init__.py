"""One module per host: how to talk to that company, and the offerings (models) it serves."""
