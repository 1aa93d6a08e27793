"""Tests of the ontology package."""
