"""Bringing the past in: importing and exporting registers, opening balances."""
