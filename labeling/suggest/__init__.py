"""Stance suggestions learned from a project's own labels: models behind one protocol.

:mod:`labeling.suggest.base` defines the protocol every model follows; the built-in
scikit-learn model, the OpenAI-compatible LLM and a user's own class implement it.
"""
