"""Use cases that own a transaction: audit, accounts, demo data."""
