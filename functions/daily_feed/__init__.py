"""The daily feed from the system of record: check a file whole, apply its rows in chunks, report."""
