"""Full-text search machinery, below every domain app: text normalisation and character-bigram
tokens (text.py), the index table's SQL on SQLite and PostgreSQL (backends.py), and relevance-ranked
querysets (query.py: `filter_queryset` behind every `q` filter, `ranked` for the /search/ page).
It knows no domain model: what goes into the index, and keeping it current, is the `search` app's."""
