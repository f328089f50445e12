"""``python -m musicqa.infer``: the command's old name, kept; the code is ``musicqa.train.infer``."""
