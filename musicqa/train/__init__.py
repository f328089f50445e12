"""MU-LLaMA training on a musicqa dataset: ``python -m musicqa.train`` (see loop.py and model.py)."""
