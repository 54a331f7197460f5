"""/kelola/orang/ on a regency's host. `people` is the page the navigation links."""

from django.urls import path, re_path

from sukma.surveys.people import views

urlpatterns = [
    path("", views.people, name="people"),
    path("undang/", views.person_invite, name="person_invite"),
    path("<int:pk>/peran/", views.person_role, name="person_role"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>kirim-ulang|cabut|nonaktifkan|aktifkan)/$",
        views.person_action,
        name="person_action",
    ),
]
