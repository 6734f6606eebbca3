"""Embeddings of transcript windows and summaries, and hybrid (vector + full-text) search over them."""
