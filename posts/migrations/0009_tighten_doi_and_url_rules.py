import re
import sys

import django.core.validators
from django.db import migrations, models

WEB = ("http://", "https://")
# "www.example.org/report.pdf" or "example.org": a web address typed without its
# scheme, which the admin form would have completed with https:// itself.
BARE_HOST = re.compile(r"^(?://)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(?::\d+)?(?:[/?#]|$)")


def repair_or_clear_links(apps, schema_editor):
    """Before the database refuses non-web links, deal with the rows that hold one.

    - a bare host ("www.example.org/x") gains "https://", as the admin form does;
    - any other scheme (javascript:, data:, vbscript:, ftp:, …) is cleared, since
      either runs script or no longer opens in browsers;
    - a resource left with no link, file or DOI (resource_has_link_file_or_doi)
      is deleted: the table may not hold it, and there is nothing left a reader
      could open. This is the only loss; each change is printed with the row's
      title and old address, so staff can re-create it from the output.
    """
    Resource = apps.get_model("posts", "Resource")
    db = schema_editor.connection.alias
    for resource in Resource.objects.using(db).exclude(url="").order_by("pk").iterator():
        pk, url = resource.pk, resource.url.strip()
        if url.lower().startswith(WEB):
            if url == resource.url:
                continue
            resource.url = url
            resource.save(update_fields=["url"])
            action = "spaces around it removed"
        elif BARE_HOST.match(url):
            resource.url = "https://" + url.removeprefix("//")
            resource.save(update_fields=["url"])
            action = f"now {resource.url!r}"
        elif resource.file or resource.doi:
            resource.url = ""
            resource.save(update_fields=["url"])
            action = "address cleared; its file or DOI remains"
        else:
            resource.delete()
            action = "deleted: it had no web address, file or DOI left"
        sys.stdout.write(
            f"\n  Resource {pk} on post {resource.post_id} "
            f"({resource.title!r}, address {url!r}): {action}"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0008_store_upload_dimensions'),
    ]

    operations = [
        # Nothing to undo: the old rule accepts every value this one leaves.
        migrations.RunPython(repair_or_clear_links, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name='post',
            name='doi',
            field=models.CharField(blank=True, help_text='If this post itself has a DOI, e.g. 10.1108/HCS-12-2021-0043.', max_length=200, validators=[django.core.validators.RegexValidator('^10\\.\\d{4,9}/[-._;()/:A-Z0-9]+\\Z', flags=re.RegexFlag['IGNORECASE'], message='Enter the DOI alone, as Crossref writes it: 10. then 4 to 9 digits, a slash, and letters, digits or - . _ ; ( ) / : — e.g. 10.1108/HCS-12-2021-0043 (without https://doi.org/).')], verbose_name='DOI'),
        ),
        migrations.AlterField(
            model_name='resource',
            name='doi',
            field=models.CharField(blank=True, help_text='For a journal article, e.g. 10.1108/HCS-12-2021-0043.', max_length=200, validators=[django.core.validators.RegexValidator('^10\\.\\d{4,9}/[-._;()/:A-Z0-9]+\\Z', flags=re.RegexFlag['IGNORECASE'], message='Enter the DOI alone, as Crossref writes it: 10. then 4 to 9 digits, a slash, and letters, digits or - . _ ; ( ) / : — e.g. 10.1108/HCS-12-2021-0043 (without https://doi.org/).')], verbose_name='DOI'),
        ),
        migrations.AlterField(
            model_name='resource',
            name='url',
            field=models.URLField(blank=True, help_text='Starts with https:// (or http://).', max_length=500, validators=[django.core.validators.URLValidator(message='Enter a web address that starts with https:// or http://.', schemes=['http', 'https'])], verbose_name='web address'),
        ),
        migrations.AddConstraint(
            model_name='resource',
            constraint=models.CheckConstraint(condition=models.Q(('url', ''), ('url__istartswith', 'http://'), ('url__istartswith', 'https://'), _connector='OR'), name='resource_url_is_web_address', violation_error_message="A resource's web address must start with https:// or http://."),
        ),
    ]
