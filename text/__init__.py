"""Text for other programs and readers: the context escapers (text/escape.py) that every layer uses."""
