"""Demo content other apps add to `manage.py load_demo_content`.

The site app's pages load with the posts, but posts never imports that app: the
app registers its loader here when it starts (AppConfig.ready).
"""

_loaders = []


def register_loader(loader):
    """`loader(force=bool)` adds its demo content once and returns a sentence for the log."""
    if loader not in _loaders:
        _loaders.append(loader)


def loaders():
    return list(_loaders)
