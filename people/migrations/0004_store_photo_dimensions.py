import flse_hub.uploads
from django.core.files.storage import default_storage
from django.db import migrations, models

from flse_hub.uploads import stored_image_size


def fill_photo_sizes(apps, schema_editor):
    # Existing rows get the size of their image once, here, so pages never open
    # the file to size it. A missing or unreadable file leaves the size empty.
    Model = apps.get_model("people", "Person")
    rows = Model.objects.exclude(photo="").filter(photo_width__isnull=True)
    for pk, name in list(rows.values_list("pk", "photo")):
        size = stored_image_size(default_storage, name)
        if size:
            # update(), not save(): the sizes are not an edit (updated_at stays).
            Model.objects.filter(pk=pk).update(photo_width=size[0], photo_height=size[1])


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0003_create_newsletter_managers_group'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='photo_height',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='person',
            name='photo_width',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='person',
            name='photo',
            field=flse_hub.uploads.ValidatedImageField(accept=('image',), blank=True, height_field='photo_height', help_text='A JPEG, PNG, WebP or GIF. It is saved afresh, which removes location and other hidden data.', upload_to=flse_hub.uploads.RandomName('people'), width_field='photo_width'),
        ),
        migrations.RunPython(fill_photo_sizes, migrations.RunPython.noop),
    ]
