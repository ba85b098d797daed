"""Turning the site into pages: Markdown, the Jinja2 environment, the page list and URL map, SEO."""
