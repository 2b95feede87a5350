"""The newsroom's roles as Django groups, and the model permissions each one holds.

Groups are kept in sync on every `migrate` (see `ArticlesConfig.ready`), so a permission
added here reaches every installation. Object-level rules (a writer edits only their own
drafts) are enforced in `articles/services.py` and the admin, on top of these.
"""

from django.contrib.auth.models import Group, Permission

WRITER = "Writer"
EDITOR = "Editor"
AD_MANAGER = "Ad manager"


def _crud(app, model, actions=("add", "change", "delete", "view")):
    return {f"{app}.{action}_{model}" for action in actions}


ROLE_PERMISSIONS = {
    WRITER: (
        _crud("articles", "article", ("add", "change", "view"))
        | _crud("articles", "byline")
        | _crud("articles", "taggedarticle")
        | _crud("articles", "tag", ("add", "view"))
        | _crud("articles", "image", ("add", "change", "view"))
        | {"articles.view_author", "articles.view_section", "articles.view_revision"}
        | {"articles.view_correction"}
        # Live coverage (articles/live/): draft entries (publishing needs the setting).
        | {"live.view_livecoverage"}
        | _crud("live", "liveentry", ("add", "change", "view"))
    ),
    EDITOR: (
        _crud("articles", "article")
        | _crud("articles", "byline")
        | _crud("articles", "taggedarticle")
        | _crud("articles", "tag")
        | _crud("articles", "author")
        | _crud("articles", "section")
        | _crud("articles", "correction", ("add", "view"))
        | _crud("articles", "relatedpin")
        | _crud("articles", "image")
        | {"articles.publish_article", "articles.view_revision", "articles.view_auditentry"}
        | {"articles.view_taskfailure"}
        # Newsletters (articles/newsletters/): compose, test, send, pause; see who and what.
        | _crud("newsletters", "newsletter")
        | _crud("newsletters", "issue")
        | _crud("newsletters", "issuearticle")
        | _crud("newsletters", "suppression", ("add", "view"))
        | {"newsletters.view_subscriber", "newsletters.view_subscription"}
        | {"newsletters.view_delivery", "newsletters.view_linkclick"}
        # Live coverage (articles/live/): run it, post and publish entries.
        | _crud("live", "livecoverage")
        | _crud("live", "liveentry")
        | {"live.publish_liveentry"}
        # Breaking alerts and web push (docs/alerts-and-push.md): set alerts, send pushes.
        | _crud("alerts", "alert")
        | {"alerts.view_alertevent", "push.add_pushsend", "push.view_pushsend"}
    ),
    AD_MANAGER: (
        _crud("ads", "adslot")
        | _crud("ads", "creative")
        | _crud("ads", "placement")
        | _crud("ads", "sponsorship")
        | _crud("ads", "suppressionrule")
        | _crud("ads", "adstxtrecord")
        | _crud("ads", "adstxtvariable")
        | {"ads.view_placementstat"}
        | {"articles.view_article", "articles.view_section", "articles.view_tag"}
    ),
}


def sync_roles(**kwargs):
    """Create the role groups and give each exactly the permissions listed above."""
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in sorted(codes):
            app_label, codename = code.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)
