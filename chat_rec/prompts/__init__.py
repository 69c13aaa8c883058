"""Versioned prompt files (see prompts/README.md for the product-team guide)."""
