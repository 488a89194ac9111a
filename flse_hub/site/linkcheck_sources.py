"""The site's pages, for the link checker (posts.linkcheck; named in
settings.LINKCHECK_SOURCES so that this app imports nothing of posts)."""


def pages():
    from flse_hub.site.models import Page

    for page in Page.objects.only("pk", "title", "body").iterator(2000):
        yield {"model": Page, "pk": page.pk, "label": page.title, "html": [("body", page.body)]}
