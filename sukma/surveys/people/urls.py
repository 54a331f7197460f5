"""/kelola/orang/ on a regency's host. `people` is the page the navigation links."""

from django.urls import path, re_path

from sukma.access.people import PERSON_ACTION_SLUGS
from sukma.surveys.people import views

urlpatterns = [
    path("", views.people, name="people"),
    path("undang/", views.person_invite, name="person_invite"),
    path("<int:pk>/peran/", views.person_role, name="person_role"),
    re_path(
        rf"^(?P<pk>[0-9]+)/(?P<action>{PERSON_ACTION_SLUGS})/$",
        views.person_action,
        name="person_action",
    ),
]
