"""Search across products, cases, institutions and policy notices (see search/query.py)."""
