"""The demo desktop client: the production client (ui) with the demo workspace builder.

Kept outside ui/ and app/ so that the production client never imports app.demo, and app/
never imports ui/: this package is the one place that joins them (`make run-offline`).
"""
