"""The shared base every app builds on: provenance and publishing models, list and facet
machinery, API machinery. It imports no app (README, "Layout")."""
