"""The whole public site as a folder of static files (manage.py export_static).

Pages are rendered by Django itself for an anonymous reader; the archive only rewrites
their addresses so they work from any folder, and swaps the forms that need a server
for what a static folder can honestly offer (offline search, a contact line).
"""
