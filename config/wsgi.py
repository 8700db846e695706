from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: frozen, it is
# no longer scanned by every full collection. The Web Connector's messages allocate hundreds of thousands
# of short-lived containers each; collecting every 700 of them spent a tenth of the server's time in the
# collector, for garbage that reference counting frees anyway. `bench/sync.py` measures both.
gc.collect()
gc.freeze()
gc.set_threshold(20_000, 20, 20)
