"""Links readers follow are web addresses, however they are saved; DOIs are Crossref's shape."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from posts.models import Resource
from tests.factories import make_post

NOT_WEB = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://example.org/report.pdf",
    "www.example.org/report.pdf",
]
WEB = ["https://example.org/report.pdf", "http://example.org/", "HTTPS://EXAMPLE.ORG/A"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", NOT_WEB)
def test_model_validation_refuses_other_schemes_with_a_clear_message(url):
    resource = Resource(post=make_post(), title="Toolkit", url=url)
    with pytest.raises(ValidationError) as error:
        resource.full_clean()
    assert "url" in error.value.message_dict


@pytest.mark.django_db
def test_the_message_says_what_to_type():
    resource = Resource(post=make_post(), title="Toolkit", url="ftp://example.org/report.pdf")
    with pytest.raises(ValidationError) as error:
        resource.full_clean()
    assert error.value.message_dict["url"] == [
        "Enter a web address that starts with https:// or http://."
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("url", NOT_WEB)
def test_the_database_refuses_other_schemes_from_the_orm_and_imports(url):
    post = make_post()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(post=post, title="Toolkit", url=url)
    resource = Resource.objects.create(post=post, title="Toolkit", url="https://example.org/")
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.filter(pk=resource.pk).update(url=url)


@pytest.mark.django_db
@pytest.mark.parametrize("url", WEB)
def test_web_addresses_are_accepted(url):
    resource = Resource(post=make_post(), title="Toolkit", url=url)
    resource.full_clean()
    resource.save()
    assert resource.href == url


@pytest.mark.parametrize("url", NOT_WEB)
def test_href_never_returns_another_scheme(url):
    # A row from before the rule (or written past it) links nowhere, or to its DOI.
    assert Resource(title="Toolkit", url=url).href == ""
    assert (
        Resource(title="Toolkit", url=url, doi="10.1108/HCS-12-2021-0043").href
        == "https://doi.org/10.1108/HCS-12-2021-0043"
    )


MIGRATED = ("posts", "0009_tighten_doi_and_url_rules")
BEFORE = ("posts", "0008_store_upload_dimensions")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_migration_repairs_or_clears_bad_links_and_reverses(capsys):
    apps = migrate(BEFORE)
    try:
        Post = apps.get_model("posts", "Post")
        Resource = apps.get_model("posts", "Resource")
        post = Post.objects.create(
            title="Old", slug="old", standfirst="S.", status="published",
            published_at=timezone.now(),
        )  # fmt: skip

        def resource(title, url, **fields):
            return Resource.objects.create(post=post, title=title, url=url, **fields).pk

        ids = {
            "good": resource("Good", "https://example.org/a"),
            "spaced": resource("Spaced", " https://example.org/b "),
            "bare": resource("Bare", "www.example.org/report.pdf"),
            "script with doi": resource(
                "Script", "javascript:alert(1)", doi="10.1108/HCS-12-2021-0043"
            ),
            "script alone": resource("Only script", "JavaScript:alert(document.cookie)"),
            "ftp alone": resource("Old FTP", "ftp://example.org/old.pdf"),
        }
        apps = migrate(MIGRATED)
        Resource = apps.get_model("posts", "Resource")
        urls = dict(Resource.objects.values_list("pk", "url"))
        assert urls == {
            ids["good"]: "https://example.org/a",
            ids["spaced"]: "https://example.org/b",
            ids["bare"]: "https://www.example.org/report.pdf",
            ids["script with doi"]: "",  # the DOI still links the article
        }
        # The two with nothing safe left are gone, and the output says what they were.
        output = capsys.readouterr().out
        assert "'Only script', address 'JavaScript:alert(document.cookie)'): deleted" in output
        assert "'Old FTP', address 'ftp://example.org/old.pdf'): deleted" in output

        # Reversible: back to 0008 and forward again.
        migrate(BEFORE)
        apps = migrate(MIGRATED)
        assert apps.get_model("posts", "Resource").objects.count() == 4
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
