"""Turn the checked manuscript into HTML documents for one target, through Jinja2 templates."""
