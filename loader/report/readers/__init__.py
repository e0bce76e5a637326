"""Readers: one per kind of input, each turning a file into a Layout (running text and tables of
rows). `text` reads extracted text (tabs, spaces or line breaks between cells, `pdftotext -layout`
output); `pdf` reads a PDF's tables from what its pages draw."""
