# The media library (Image), failed-task records, and library fields beside the old image
# fields; 0004 copies the old images into the library and 0005 drops the old fields.

import articles.media.models
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0006_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TaskFailure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('task_name', models.CharField(max_length=200)),
                ('arguments', models.JSONField(blank=True, default=dict)),
                ('attempts', models.PositiveSmallIntegerField(default=1)),
                ('error', models.TextField(help_text='The error of the last attempt.')),
                ('failed_at', models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
            options={
                'ordering': ['-failed_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Image',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.ImageField(blank=True, help_text='JPEG, PNG or WebP, up to 30 MB and 50 megapixels. It is re-encoded: camera data (location, device) is removed and the orientation applied.', upload_to='images/%Y/%m/')),
                ('incoming', models.FileField(blank=True, editable=False, storage=articles.media.models.incoming_storage, upload_to='%Y/%m/')),
                ('width', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ('height', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ('original_width', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ('original_height', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ('alt_text', models.CharField(help_text='What the image shows, for readers who cannot see it. Required.', max_length=250, verbose_name='alt text')),
                ('caption', models.CharField(blank=True, max_length=300)),
                ('credit', models.CharField(blank=True, help_text='Photographer or agency, shown beside the caption.', max_length=120, verbose_name='credit / copyright')),
                ('focal_x', models.FloatField(default=0.5, help_text='Where the subject is, from 0 (left/top) to 1 (right/bottom). Crops keep it in view. Click the image to set it.', validators=[django.core.validators.MinValueValidator(0.0), django.core.validators.MaxValueValidator(1.0)], verbose_name='focal point x')),
                ('focal_y', models.FloatField(default=0.5, help_text='Where the subject is, from 0 (left/top) to 1 (right/bottom). Crops keep it in view. Click the image to set it.', validators=[django.core.validators.MinValueValidator(0.0), django.core.validators.MaxValueValidator(1.0)], verbose_name='focal point y')),
                ('renditions', models.JSONField(blank=True, default=dict, editable=False)),
                ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                ('uploaded_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-uploaded_at', '-pk'],
            },
        ),
        migrations.AddIndex(
            model_name='image',
            index=models.Index(fields=['-uploaded_at'], name='image_uploaded_idx'),
        ),
        migrations.AddConstraint(
            model_name='image',
            constraint=models.CheckConstraint(condition=models.Q(('focal_x__gte', 0), ('focal_x__lte', 1), ('focal_y__gte', 0), ('focal_y__lte', 1)), name='image_focal_point_in_image'),
        ),
        migrations.AddField(
            model_name='article',
            name='library_lead_image',
            field=models.ForeignKey(blank=True, help_text='Choose an image from the media library, or add one with the + button. Its alt text, caption and credit are kept with the image.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='articles.image'),
        ),
        migrations.AddField(
            model_name='author',
            name='library_photo',
            field=models.ForeignKey(blank=True, help_text="A portrait from the media library, shown on the author's page.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='articles.image'),
        ),
    ]
