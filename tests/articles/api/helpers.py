"""What the API tests share: keys for users in each role, and a JSON client."""

from articles.api import services
from tests.factories import UserFactory


def admin_user():
    return UserFactory(username="api-admin", is_superuser=True)


def key_for(user, *, write=False, drafts=False, rate_limit=600):
    """(key, token) for `user`, made by an administrator."""
    return services.create_api_key(
        user=user,
        name=f"{user.username} key",
        by=admin_user(),
        can_write=write,
        can_read_drafts=drafts,
        rate_limit=rate_limit,
    )


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
