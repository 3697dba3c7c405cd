"""The review server (``songngu review``): :mod:`aligned.server.app` (the server, queries,
the one function that saves a decision) and :mod:`aligned.server.routes` (Starlette routes,
the request guard); pages in ``aligned/templates/review_*.html.j2``, script and style in
``static/``."""
