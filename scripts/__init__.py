"""Scripts for people working on mesocheck: screenshots of every screen."""
