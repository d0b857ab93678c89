from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("settings/", views.my_settings, name="settings"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_settings, name="person"),
    path("failures/", views.failures, name="failures"),
    path("failures/resend/", views.resend, name="resend"),
]
