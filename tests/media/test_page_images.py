"""Library images in a page's body (About us, Contact…): kept like a post's, drawn from the
record, counted among the image's uses and protecting it from deletion."""

import pytest
from django.urls import reverse

from flse_hub.rich_text import sanitize_html
from flse_hub.site.models import PageBodyImage
from posts.media.models import Image
from tests.factories import make_post
from tests.media.helpers import figure, make_image
from tests.site.test_pages import make_page

pytestmark = pytest.mark.django_db


def test_a_page_keeps_library_images_and_drops_any_other(client):
    image = make_image("Our office", caption="")
    page = make_page(
        body=f"<p>Where we are.</p>{figure(image, 'The front door')}"
        '<img src="https://evil.example/x.png" alt="x">'
        '<figure><img src="/media/images/abcdefghijklmnopqrstuv.png" data-file="999999"></figure>'
    )
    assert "evil" not in page.body and "999999" not in page.body
    assert f'data-file="{image.pk}"' in page.body
    assert list(PageBodyImage.objects.filter(page=page).values_list("image", flat=True)) == [
        image.pk
    ]

    response = client.get(page.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    # Drawn by the site's one image template, with its size and the caption.
    figure_html = html.split('<figure class="figure">', 1)[1].split("</figure>", 1)[0]
    assert f'src="{image.file.url}"' in figure_html
    assert 'width="40" height="30"' in figure_html
    assert 'alt="Our office, described"' in figure_html
    assert "<figcaption>The front door</figcaption>" in figure_html


def test_editing_a_page_keeps_its_image_uses_in_step():
    first, second = make_image("First"), make_image("Second")
    page = make_page(body=figure(first) + figure(second))
    assert set(page.body_image_uses.values_list("image", flat=True)) == {first.pk, second.pk}
    page.body = figure(second)
    page.save()
    assert list(page.body_image_uses.values_list("image", flat=True)) == [second.pk]
    page.delete()
    assert not PageBodyImage.objects.exists()


def test_the_library_counts_pages_and_refuses_to_delete_an_image_one_shows(staff_client):
    image = make_image("Shared")
    post = make_post("A post", hero_image=image)
    page = make_page("About us", body=figure(image))

    listing = staff_client.get(reverse("admin:media_image_changelist")).content.decode()
    assert "1 post and 1 page" in listing
    change = staff_client.get(reverse("admin:media_image_change", args=[image.pk]))
    text = change.content.decode()
    assert "Used in 1 post and 1 page" in text
    assert reverse("admin:site_page_change", args=[page.pk]) in text
    assert reverse("admin:posts_post_change", args=[post.pk]) in text

    response = staff_client.post(
        reverse("admin:media_image_delete", args=[image.pk]), {"post": "yes"}
    )
    assert response.status_code == 200
    assert "In the body of “About us”" in response.content.decode()
    assert Image.objects.filter(pk=image.pk).exists()


def test_the_page_editor_offers_the_library_chooser(staff_client):
    page = make_page()
    form = staff_client.get(reverse("admin:site_page_change", args=[page.pk])).content.decode()
    assert reverse("admin:media_image_choose") + "?mode=body" in form.replace("&amp;", "&")


def test_text_only_bodies_keep_no_image():
    # Bodies that do not resolve images against the library (sanitize_html's default)
    # keep none, even one with a library-like address.
    image = make_image()
    assert "<img" not in sanitize_html(figure(image))
    assert "<figure" not in sanitize_html(figure(image))
