"""Listing formats: one module per format behind the `Reader` interface of `base`.

`registry` lists them in sniffing order and picks the reader for a file.
"""
