"""A regency's pages on its subdomain."""

from django.shortcuts import render


def regency_home(request):
    return render(request, "surveys/regency_home.html", {"regency": request.tenant})
