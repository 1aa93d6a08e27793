"""Tests of the documentation: generated pages current, the site builds, the pages' examples true."""
