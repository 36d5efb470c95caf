"""Lexical retrieval for Portuguese: analysis (folding, stopwords, stemming) and BM25 sparse vectors."""
