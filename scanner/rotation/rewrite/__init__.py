"""Rewrite inline secret literals into references, one module per file kind (see `engine.rewrite_tree`)."""
