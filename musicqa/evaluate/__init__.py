"""``python -m musicqa.evaluate``: the command's old name, kept; the code is ``musicqa.train.evaluate``."""
