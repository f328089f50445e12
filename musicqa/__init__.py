"""musicqa: build music question-answering datasets and train the model that learns from them."""

__version__ = "0.1.0"
