"""The {{ app.name }} app: its pages under /{{ app.url }}/ (written by `webkit generate app`)."""
