"""The site-wide search: what each record puts in the index (documents.py), keeping the index
current (index.py), the /search/ page (results.py, presentation.py, views.py). The search machinery
itself is catalogue/fulltext/, below the domain apps."""
