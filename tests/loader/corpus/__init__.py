"""A corpus of layouts of issue 003, made by the tests (never committed: 003 is copyrighted).

extract.py reads 003's text into running text and tables; render_pdf.py and render_text.py set
that content in other layouts; variants.py names them all for the tests."""
