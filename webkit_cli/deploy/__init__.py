"""`webkit deploy-config`: the production files of a project, from one set of settings.

settings.py validates the options; render.py turns a Project and its Settings into file
contents with the Jinja templates in templates/deploy/; files.py decides what may be written
(a manifest of what webkit wrote tells a user's edit from an old rendering) and writes it
atomically. Jinja is imported only when a command renders.
"""
