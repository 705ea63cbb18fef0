"""Synthetic Vietnamese administrative papers with ground truth, deterministic by seed."""
