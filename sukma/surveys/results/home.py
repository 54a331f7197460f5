"""A regency's pages on its subdomain."""

from django.shortcuts import render

from sukma.access.permissions import scope_for


def regency_home(request):
    """The regency's front page: the public results for everyone, the dashboard for its staff."""
    regency = request.tenant
    return render(
        request,
        "surveys/regency_home.html",
        {"regency": regency, "scope": scope_for(request.user, regency)},
    )
