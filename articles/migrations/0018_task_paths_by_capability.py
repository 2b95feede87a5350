"""Tasks moved to their capabilities' folders: queued rows name them by their new paths."""

from django.db import migrations

MOVED = {
    "articles.tasks.send_notification": "articles.services.notifications.send_notification",
    "articles.tasks.make_renditions": "articles.media.services.make_renditions",
    "articles.tasks.purge_keys": "articles.delivery.cache.purge_keys",
}


def rename(apps, schema_editor, moves):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in moves.items():
        DBTaskResult.objects.filter(task_path=old).update(task_path=new)


def forwards(apps, schema_editor):
    rename(apps, schema_editor, MOVED)


def backwards(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0017_background_queue"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
