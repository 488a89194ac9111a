"""Images in the body: only library images survive, stored by id, drawn from the record."""

import json
import re

import feedparser
import pytest
from django.urls import reverse

from posts.media.body import resolve_body_images
from posts.sanitize import sanitize_html
from tests.factories import make_post
from tests.media.helpers import figure, make_image

pytestmark = pytest.mark.django_db


def absolute(address):
    """A media address as a page outside the site needs it (S3's already is)."""
    return address if address.startswith("http") else f"http://testserver{address}"


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src="https://evil.example/x.png" alt="x">',
        '<img src="/media/images/abcdefghijklmnopqrstuv.png" onerror="alert(1)">',
        '<img src="javascript:alert(1)">',
        '<img src="data:image/png;base64,AAAA">',
        '<img src="/media/../admin/x.png">',
        '<img src="/media/images/a.png?x=1" data-file="1">',
        '<img srcset="https://evil.example/x.png 1x" src="/static/x.png">',
    ],
)
def test_the_sanitiser_keeps_no_foreign_address_or_handler(hostile):
    cleaned = sanitize_html(f"<p>Text</p>{hostile}")
    assert "evil" not in cleaned and "onerror" not in cleaned and "javascript" not in cleaned
    assert "data:" not in cleaned and ".." not in cleaned and "srcset" not in cleaned
    assert "?x=1" not in cleaned and "/static/" not in cleaned


def test_figure_img_and_figcaption_pass_with_only_their_allowed_attributes(settings):
    # MEDIA_URL: /media/ on local disk, the bucket's address on S3.
    src = f"{settings.MEDIA_URL}images/abcdefghijklmnopqrstuv.png"
    cleaned = sanitize_html(
        f'<figure class="figure" style="x" id="f"><img src="{src}" alt="A bench" width="40" '
        'height="3x" data-file="7" class="c" title="t" loading="lazy"><figcaption '
        'class="figure-caption" onclick="x()">On <em>the</em> bench</figcaption></figure>'
    )
    assert cleaned == (
        f'<figure><img src="{src}" alt="A bench" width="40" data-file="7"><figcaption>On '
        "<em>the</em> bench</figcaption></figure>"
    )


def test_an_external_or_unknown_image_is_refused_when_the_post_is_saved(media_root):
    image = make_image()
    post = make_post(
        body=(
            '<p>Pasted:</p><img src="https://evil.example/x.png">'
            '<figure><img src="/media/images/abcdefghijklmnopqrstuv.png" data-file="99999">'
            "<figcaption>Gone</figcaption></figure>" + figure(image, "Kept")
        )
    )
    assert "evil" not in post.body and "99999" not in post.body and "Gone" not in post.body
    assert post.body.count("<img") == 1
    assert f'data-file="{image.pk}"' in post.body
    assert list(post.body_image_uses.values_list("image_id", flat=True)) == [image.pk]


def test_a_body_image_takes_its_address_size_and_description_from_the_library(media_root, settings):
    image = make_image("Bench", size=(40, 30), alt="A bench in the park")
    # A forged address or size for a real id is replaced by the record's.
    html = (
        f'<img src="{settings.MEDIA_URL}posts/abcdefghijklmnopqrstuv.png" width="9999" '
        f'data-file="{image.pk}">'
    )
    body, ids = resolve_body_images(sanitize_html(html))
    assert ids == [image.pk]
    assert body == (
        f'<img src="{image.file.url}" alt="A bench in the park" width="40" height="30" '
        f'data-file="{image.pk}">'
    )
    # The writer's own description wins over the library's.
    body, _ = resolve_body_images(
        sanitize_html(f'<img src="{image.file.url}" alt="Our bench" data-file="{image.pk}">')
    )
    assert 'alt="Our bench"' in body


def test_the_post_page_draws_hero_and_body_figures_with_caption_credit_alt_and_size(
    client, media_root
):
    hero = make_image(
        "Hero", size=(120, 80), alt="Two workers talk", caption="At the hub", credit="Photo: Sam"
    )
    inline = make_image("Inline", size=(60, 40), alt="A map", credit="Map: OSM <b>")
    decorative = make_image("Swirl", decorative=True)
    post = make_post(
        "Pictured",
        hero_image=hero,
        body=f"<p>Intro</p>{figure(inline, 'The area we cover')}{figure(decorative)}",
    )
    page = client.get(post.get_absolute_url()).content.decode()
    hero_figure = re.search(r'<figure class="post__figure">.*?</figure>', page, re.S).group(0)
    assert f'src="{hero.file.url}" alt="Two workers talk" width="120" height="80"' in hero_figure
    assert 'loading="eager"' in hero_figure
    assert '<figcaption>At the hub <span class="figure__credit">Photo: Sam</span>' in hero_figure
    body_figure = re.search(r'<figure class="figure">.*?</figure>', page, re.S).group(0)
    assert f'src="{inline.file.url}" alt="A map" width="60" height="40" loading="lazy"' in (
        body_figure
    )
    assert "The area we cover" in body_figure
    assert "Map: OSM &lt;b&gt;" in body_figure  # credit is plain text
    assert f'src="{decorative.file.url}" alt=""' in page
    assert f'<meta property="og:image" content="{absolute(hero.file.url)}">' in page
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    )
    assert data["image"]["url"] == absolute(hero.file.url)
    assert data["image"]["creditText"] == "Photo: Sam"
    assert (data["image"]["width"], data["image"]["height"]) == (120, 80)


def test_a_post_may_describe_its_hero_its_own_way(client, media_root):
    hero = make_image("Hero", alt="Library description")
    post = make_post(hero_image=hero, hero_image_alt="This post's description")
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'alt="This post&#x27;s description"' in page
    assert "Library description" not in page


def test_feeds_carry_body_images_at_absolute_addresses(client, media_root):
    image = make_image()
    make_post(body=figure(image, "Caption"))
    feed = feedparser.parse(client.get(reverse("posts:feed-atom")).content)
    content = feed.entries[0].content[0].value
    assert f'src="{absolute(image.file.url)}"' in content


def test_cards_crop_on_the_focal_point(client, media_root, settings):
    image = make_image("Face", focal_x=0.26, focal_y=0.71)
    make_post(hero_image=image, featured=True)
    assert image.object_position == "26% 71%"
    page = client.get("/").content.decode()
    assert 'class="post-card__image crop focal-x-30 focal-y-70"' in page
    css = (settings.BASE_DIR / "static/css/site.css").read_text()
    assert ".focal-x-30 { --focal-x: 30%; }" in css and ".focal-y-70 { --focal-y: 70%; }" in css
