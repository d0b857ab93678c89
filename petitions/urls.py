from django.urls import path

from petitions import views

app_name = "petitions"

urlpatterns = [
    path("", views.petition_list, name="list"),
    path("export.xlsx", views.petition_export, name="export"),
    path("new/", views.petition_register, name="register"),
    path("stats/", views.petition_stats, name="stats"),
    path("receptions/", views.reception_list, name="receptions"),
    path("receptions/print/", views.reception_print, name="reception_print"),
    path("receptions/<int:pk>/", views.reception_detail, name="reception_detail"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/letter/", views.petition_letter, name="letter"),
    path("<int:pk>/notice/<slug:kind>/", views.petition_notice, name="notice"),
    path("<int:pk>/take/", views.petition_take, name="take"),
    path("<int:pk>/to-case/", views.petition_to_case, name="to_case"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download,
         name="attachment"),
    path("<int:pk>/<slug:action>/", views.petition_action, name="action"),
]
