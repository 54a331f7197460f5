"""The province's pages on the base domain."""

from django.shortcuts import render


def home(request):
    return render(request, "platform/home.html")
