"""The reviewer's workspace for source information (SRC-8 … SRC-12): one query, one column list, one batch door."""
