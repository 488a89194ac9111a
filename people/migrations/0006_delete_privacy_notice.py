"""The privacy notice is a page of the site now (/privacy/): its text moved there in
site 0006, which must run first. Only a migration dependency: people's code never
imports the site app."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0005_track_confirmation_delivery'),
        ('site', '0006_move_privacy_notice_to_page'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='privacynotice',
            name='one_privacy_notice',
        ),
        migrations.DeleteModel(
            name='PrivacyNotice',
        ),
    ]
