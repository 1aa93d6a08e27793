"""Tests of proposals, the ontology side (ontology.proposal): load, apply, diff."""
