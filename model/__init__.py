"""memdesc's executable model of the kernel's memory paths (arrives with issue #4).

The package exists now so the distribution's import packages are fixed from the start; the
model's functions will be typed with `ontology.types`.
"""
