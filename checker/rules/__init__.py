"""The checker's rules as plain functions over plain data: names in, messages out.

Each module holds one rule's logic and its messages, so wording stays consistent between the
mypy plugin and the `memdesc check` post-pass, and each is testable without running mypy.
"""
