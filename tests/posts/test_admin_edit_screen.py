"""The post form, writing first: credits print in row order, topics made from the form,
the image's thumbnail, and a word count that matches the page's."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from posts.models import Post, Topic
from tests.factories import make_person, make_post, make_topic
from tests.posts.test_admin import add_form_data

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:posts_post_add")


def credit_rows(*people, start=0):
    data = {"credits-TOTAL_FORMS": str(start + len(people))}
    for index, person in enumerate(people, start=start):
        data |= {
            f"credits-{index}-person": person.pk,
            f"credits-{index}-role": "author",
            f"credits-{index}-public_label": "Anonymous team member",
        }
    return data


def test_authors_print_in_the_order_their_rows_were_added(staff_client):
    zoe, adam, mo = make_person("Zoe"), make_person("Adam"), make_person("Mo")
    response = staff_client.post(ADD_URL, add_form_data(**credit_rows(zoe, adam, mo)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    post = Post.objects.get()
    assert [c.person.name for c in post.credits.order_by("order")] == ["Zoe", "Adam", "Mo"]
    page = Client().get(post.get_absolute_url()).content.decode()
    assert page.index("Zoe") < page.index("Adam") < page.index("Mo")


def test_a_row_added_later_goes_last_and_a_removed_one_closes_the_gap(staff_client):
    first, second, third = make_person("First"), make_person("Second"), make_person("Third")
    post = make_post(authors=[first, second], published=False)
    credits = list(post.credits.order_by("order"))
    change = reverse("admin:posts_post_change", args=[post.pk])
    data = add_form_data(
        title=post.title,
        slug=post.slug,
        status="draft",
        **{
            "resources-TOTAL_FORMS": "0",
            "credits-INITIAL_FORMS": "2",
            **credit_rows(first, second),
            "credits-0-id": credits[0].pk,
            "credits-0-post": post.pk,
            "credits-0-DELETE": "on",
            "credits-1-id": credits[1].pk,
            "credits-1-post": post.pk,
            **credit_rows(third, start=2),
        },
    )
    response = staff_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [(c.person.name, c.order) for c in post.credits.order_by("order")] == [
        ("Second", 0),
        ("Third", 1),
    ]


def test_the_form_has_no_order_boxes_to_type(staff_client):
    page = staff_client.get(ADD_URL).content.decode()
    assert 'name="credits-0-order"' not in page
    assert "data-words-per-minute" in page
    assert "js/admin-word-count.js" in page


def test_new_topics_are_created_from_the_post_form_and_shown_publicly(staff_client):
    existing = make_topic("Housing")
    response = staff_client.post(
        ADD_URL,
        add_form_data(
            topics=[existing.pk],
            new_topics="Peer support, housing ,  Lived   experience, peer SUPPORT",
            **{"credits-TOTAL_FORMS": "0"},
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    post = Post.objects.get()
    assert sorted(t.name for t in post.topics.all()) == [
        "Housing",
        "Lived experience",
        "Peer support",
    ]
    created = Topic.objects.get(name="Lived experience")
    assert created.slug == "lived-experience"
    public = Client()
    assert public.get(created.get_absolute_url()).status_code == 200
    assert "Lived experience" in public.get(reverse("posts:topics")).content.decode()


def test_a_new_topic_whose_slug_is_taken_gets_its_own(staff_client):
    make_topic("Peer support", slug="peer-support")
    make_topic("Other", slug="peer-support-2")
    staff_client.post(
        ADD_URL, add_form_data(new_topics="Peer-support!", **{"credits-TOTAL_FORMS": "0"})
    )
    assert Topic.objects.get(name="Peer-support!").slug not in ("peer-support", "peer-support-2")


def test_a_topic_name_with_nothing_to_make_an_address_of_is_refused(staff_client):
    response = staff_client.post(
        ADD_URL, add_form_data(new_topics="!!!", **{"credits-TOTAL_FORMS": "0"})
    )
    assert response.status_code == 200
    assert "needs some letters or digits" in response.content.decode()
    assert not Post.objects.exists()


def test_staff_without_add_topic_cannot_create_topics(client, django_user_model):
    writer = django_user_model.objects.create_user("writer", password="pw", is_staff=True)
    writer.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_post", "change_post", "view_post"])
    )
    client.force_login(writer)
    response = client.post(
        ADD_URL, add_form_data(new_topics="Sneaky", **{"credits-TOTAL_FORMS": "0"})
    )
    assert response.status_code == 200
    assert "You may not add topics" in response.content.decode()
    assert not Topic.objects.exists()


def test_the_hero_image_shows_as_a_thumbnail(staff_client, settings, tmp_path):
    from tests.media.helpers import make_image

    settings.MEDIA_ROOT = tmp_path
    image = make_image("A teal square")
    # A live post's text (and image) is read-only: posts.drafts.
    post = make_post(hero_image=image, published=False)
    page = staff_client.get(reverse("admin:posts_post_change", args=[post.pk])).content.decode()
    preview = page.split('class="image-field__preview"', 1)[1].split("</div>", 1)[0]
    assert f'src="{image.file.url}"' in preview
    assert 'class="library-thumb"' in preview


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<p>one</p><p>two</p>", 2),
        ("<h2>Title</h2><ul><li>a</li><li>b</li></ul>", 3),
        ("<p>line<br>break</p>", 2),
        ("<p>Fish &amp; chips</p>", 2),
        ("<p><strong>bo</strong>ld</p>", 1),
    ],
)
def test_word_count_breaks_between_blocks_as_a_reader_sees_them(body, words):
    assert Post(body=body).word_count == words


def test_reading_time_is_a_minute_per_200_words_rounded_up():
    assert Post(body="<p>" + "word " * 200 + "</p>").reading_minutes == 1
    assert Post(body="<p>" + "word " * 201 + "</p>").reading_minutes == 2
    assert Post(body="").reading_minutes == 1
