"""Index-friendly search: whole values, prefixes and suffixes, never LIKE '%x%'.

A prefix search is a range on the column's ordinary B-tree index (works alike on
SQLite and PostgreSQL, whatever the collation of the letters and digits we store);
a suffix search is a prefix search on a column holding the value reversed.
"""
from sqlalchemy import and_


def starts_with(column, text: str):
    """column LIKE 'text%', as an index range: text <= column < text-with-last-char+1."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return and_(column >= text, column < upper)


def ends_with(reversed_column, text: str):
    """The row's value ends with `text`; `reversed_column` holds the value backwards."""
    return starts_with(reversed_column, text[::-1])
