"""schema.org JSON-LD for a post: what search engines show as an article."""

from django.conf import settings


def blog_posting(post, credits, url, image_url=""):
    """A BlogPosting dict. Authors are public labels only: an anonymous credit
    becomes an Organization named by its label, so no name can leak."""
    authors = []
    for credit in credits:
        if credit.anonymous:
            authors.append({"@type": "Organization", "name": credit.public_label})
        else:
            authors.append(
                {
                    "@type": "Person",
                    "name": credit.person.name,
                    "url": url_for(url, credit.person.get_absolute_url()),
                }
            )
    organisation = {"@type": "Organization", "name": settings.ORGANISATION_NAME}
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.meta_description,
        "datePublished": post.published_at.isoformat(),
        "dateModified": max(post.updated_at, post.published_at).isoformat(),
        "author": authors or [organisation],
        "publisher": organisation,
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": "en-GB",
        "keywords": [topic.name for topic in post.topics.all()],
    }
    if image_url:
        image = post.hero_image
        data["image"] = {
            "@type": "ImageObject",
            "url": image_url,
            "description": post.hero_alt_text,
            **({"width": image.width, "height": image.height} if image.width else {}),
            **({"caption": image.caption} if image.caption else {}),
            **({"creditText": image.credit} if image.credit else {}),
        }
    if post.doi:
        data["sameAs"] = post.doi_url
    return data


def url_for(absolute_url, path):
    """`path` made absolute on the scheme and host of `absolute_url`."""
    scheme, _, rest = absolute_url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}{path}"
