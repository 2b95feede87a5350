# Every existing lead image and author photo becomes a library image, with its alt text,
# caption, credit and size; old revisions point at the library image instead of the file name.
# Renditions are made afterwards by `manage.py rebuild_renditions` (see docs/operations.md).

from django.db import migrations


def forwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Author = apps.get_model("articles", "Author")
    Image = apps.get_model("articles", "Image")
    Revision = apps.get_model("articles", "Revision")
    by_name = {}

    def library_image(name, **fields):
        if name not in by_name:
            by_name[name] = Image.objects.create(file=name, **fields)
        return by_name[name]

    for article in Article.objects.exclude(lead_image="").order_by("pk").iterator():
        image = library_image(
            article.lead_image.name,
            alt_text=article.lead_image_alt,
            caption=article.lead_image_caption,
            credit=article.lead_image_credit,
            width=article.lead_image_width,
            height=article.lead_image_height,
            original_width=article.lead_image_width,
            original_height=article.lead_image_height,
            uploaded_by_id=article.created_by_id,
        )
        Article.objects.filter(pk=article.pk).update(library_lead_image=image)
    for author in Author.objects.exclude(photo="").order_by("pk").iterator():
        image = library_image(author.photo.name, alt_text=author.name)
        Author.objects.filter(pk=author.pk).update(library_photo=image)
    for revision in Revision.objects.order_by("pk").iterator():
        data = revision.data
        name = data.get("lead_image")
        if isinstance(name, str):
            image = by_name.get(name) if name else None
            data["lead_image"] = image.pk if image else None
            for key in ("lead_image_alt", "lead_image_caption", "lead_image_credit"):
                data.pop(key, None)
            Revision.objects.filter(pk=revision.pk).update(data=data)


def backwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Author = apps.get_model("articles", "Author")
    for article in Article.objects.exclude(library_lead_image=None).select_related(
        "library_lead_image"
    ):
        image = article.library_lead_image
        Article.objects.filter(pk=article.pk).update(
            lead_image=image.file.name,
            lead_image_alt=image.alt_text,
            lead_image_caption=image.caption,
            lead_image_credit=image.credit,
            lead_image_width=image.width,
            lead_image_height=image.height,
        )
    for author in Author.objects.exclude(library_photo=None).select_related("library_photo"):
        Author.objects.filter(pk=author.pk).update(photo=author.library_photo.file.name)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0007_media_library'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
