"""`python -m publisher` runs the r2repo CLI."""

from publisher.cli import entry

entry()
