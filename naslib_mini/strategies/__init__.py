"""Discrete search strategies: each proposes architectures and learns from their scores."""
