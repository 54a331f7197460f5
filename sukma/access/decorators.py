"""The door to a regency's staff pages, one decorator for every page behind it.

Anonymous: to sign in. Signed in without a role in this regency: the page's
own 403 (`forbidden`), no data. Otherwise the view runs with `request.scope`
saying what this person may see (sukma.access.permissions.scope_for).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login

from sukma.access.permissions import scope_for


def regency_staff(forbidden):
    """A view decorator letting in this regency's admins and operators; others get forbidden."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = scope_for(request.user, getattr(request, "tenant", None))
            if scope is None:
                return forbidden(request)
            request.scope = scope
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
