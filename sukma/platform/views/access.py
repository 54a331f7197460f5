"""Who may open the province's pages: province admins, nobody else."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from sukma.access.permissions import is_province_admin


def province_admin_required(view):
    """Anonymous visitors go to sign in; anyone else signed in gets a 403 page with no data."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_province_admin(request.user):
            return render(request, "platform/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
