"""Template context: the warning bell. The unread count is lazy (a callable the template
evaluates only where it is shown); the header fetches it with htmx after the page loads, so
that no page pays a query for it in its own render."""

from django.urls import reverse


def warning_bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from .selectors import unread_warning_count

        return unread_warning_count(user)

    return {"warning_bell_url": reverse("performance:warning_bell"), "warning_unread_count": unread}
