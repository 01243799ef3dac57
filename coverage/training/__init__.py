"""Training, evaluation and batched prediction loops for the coverage models."""
