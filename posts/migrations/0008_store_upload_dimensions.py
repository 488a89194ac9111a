import flse_hub.uploads
from django.core.files.storage import default_storage
from django.db import migrations, models

from flse_hub.uploads import stored_image_size


def fill_hero_image_sizes(apps, schema_editor):
    # Existing rows get the size of their image once, here, so pages never open
    # the file to size it. A missing or unreadable file leaves the size empty.
    Model = apps.get_model("posts", "Post")
    rows = Model.objects.exclude(hero_image="").filter(hero_image_width__isnull=True)
    for pk, name in list(rows.values_list("pk", "hero_image")):
        size = stored_image_size(default_storage, name)
        if size:
            # update(), not save(): the sizes are not an edit (updated_at stays).
            Model.objects.filter(pk=pk).update(hero_image_width=size[0], hero_image_height=size[1])


class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0007_remove_searchdocument_published_at_year'),
    ]

    operations = [
        migrations.AddField(
            model_name='post',
            name='hero_image_height',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='post',
            name='hero_image_width',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='post',
            name='hero_image',
            field=flse_hub.uploads.ValidatedImageField(accept=('image',), blank=True, height_field='hero_image_height', help_text='A JPEG, PNG, WebP or GIF. It is saved afresh, which removes location and other hidden data from photos.', upload_to=flse_hub.uploads.RandomName('posts'), verbose_name='image', width_field='hero_image_width'),
        ),
        migrations.AlterField(
            model_name='resource',
            name='file',
            field=flse_hub.uploads.ValidatedFileField(accept=('document', 'image'), blank=True, help_text='A PDF, a Word, Excel or PowerPoint file, an OpenDocument file, a CSV or plain-text file, or an image.', upload_to=flse_hub.uploads.RandomName('resources')),
        ),
        migrations.RunPython(fill_hero_image_sizes, migrations.RunPython.noop),
    ]
