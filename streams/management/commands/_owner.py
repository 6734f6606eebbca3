from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def resolve_owner(username: str | None):
    """The named user, else the first superuser: the streamer on a one-person install."""
    User = get_user_model()
    if username:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
    owner = User.objects.filter(is_superuser=True).order_by("id").first()
    if owner is None:
        raise CommandError("no user to own the recordings: run `manage.py createsuperuser` or pass --user")
    return owner
