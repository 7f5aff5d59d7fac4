#!/bin/sh
# `attune` in the container: the CLI from the source tree in /app (the widget is served from /app/widget/dist).
exec python -m server.cli "$@"
