from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("mine/", views.my_cases, name="my_cases"),
    path("new/", views.case_create, name="case_create"),
    path("export.xlsx", views.case_export, name="case_export"),
    path("export/period/", views.ledger_period, name="ledger_period"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/do/<slug:action>/", views.case_action, name="case_action"),
    path("<int:pk>/do/<slug:action>/form/", views.case_action_form, name="case_action_form"),
    path("<int:pk>/referral/", views.case_referral, name="case_referral"),
    path("<int:pk>/attachments/", views.case_attach, name="case_attach"),
    path("<int:pk>/attachments/list/", views.case_attachments, name="case_attachments"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download,
         name="attachment_download"),
    path("<int:pk>/notice/", views.case_notice, name="case_notice"),
    path("<int:pk>/agreements/<int:agreement_pk>/", views.agreement_print,
         name="agreement_print"),
]
