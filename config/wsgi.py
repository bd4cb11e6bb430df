"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
# Everything loaded so far (Django, the apps, their modules) lives as long as the process:
# moved out of the collector's sight, a full collection no longer walks it on every request
# that happens to trigger one.
gc.freeze()
