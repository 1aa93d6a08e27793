"""Tests of the command line: every command, help, completion, colour and the pre-commit hook."""
