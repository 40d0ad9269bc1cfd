"""The web front end: server-rendered pages (Jinja2) over the same auth, roles and audit as the API."""
