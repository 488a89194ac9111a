import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flse_hub.settings")
# A web server keeps its SQLite connections, as it does PostgreSQL's (flse_hub/settings.py).
os.environ.setdefault("FLSE_SQLITE_CONN_MAX_AGE", "60")
application = get_wsgi_application()
