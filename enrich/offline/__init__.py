"""Offline (no-network) extraction: a trained CRF entity tagger over abstracts."""
