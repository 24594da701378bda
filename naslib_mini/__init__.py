"""naslib-mini: the helper package behind the naslib-mini notebooks.

Import the module you need (``from naslib_mini import data, train``); nothing is re-exported here.
"""
__version__ = "0.1.0"
