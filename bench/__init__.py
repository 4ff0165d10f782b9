"""Performance harness (not tests): synthetic provinces of 10k to 1M petitions, measured.

`make bench` (quick) or `make bench SIZE=large`; see bench/README.md.
"""
