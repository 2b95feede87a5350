# Drop the per-article image fields (now in the library) and give the library fields their names.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0008_move_images_into_library'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='article',
            name='lead_image_alt',
        ),
        migrations.RemoveField(
            model_name='article',
            name='lead_image_caption',
        ),
        migrations.RemoveField(
            model_name='article',
            name='lead_image_credit',
        ),
        migrations.RemoveField(
            model_name='article',
            name='lead_image_height',
        ),
        migrations.RemoveField(
            model_name='article',
            name='lead_image_width',
        ),
        migrations.RemoveField(
            model_name='article',
            name='lead_image',
        ),
        migrations.RemoveField(
            model_name='author',
            name='photo',
        ),
        migrations.RenameField(
            model_name='article',
            old_name='library_lead_image',
            new_name='lead_image',
        ),
        migrations.RenameField(
            model_name='author',
            old_name='library_photo',
            new_name='photo',
        ),
        migrations.AlterField(
            model_name='article',
            name='lead_image',
            field=models.ForeignKey(blank=True, help_text='Choose an image from the media library, or add one with the + button. Its alt text, caption and credit are kept with the image.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='lead_image_articles', to='articles.image'),
        ),
        migrations.AlterField(
            model_name='author',
            name='photo',
            field=models.ForeignKey(blank=True, help_text="A portrait from the media library, shown on the author's page.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='author_photos', to='articles.image'),
        ),
    ]
