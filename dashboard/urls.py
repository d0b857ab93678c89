from django.urls import path

from dashboard import briefing, reportviews, views

# Not namespaced: every page's header links to "dashboard" and "briefing".
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("trends/", views.trends, name="dashboard_trends"),
    path("briefing/", briefing.briefing, name="briefing"),
    path("briefing.docx", briefing.briefing_docx, name="briefing_docx"),
    path("reports/", reportviews.reports, name="dashboard_reports"),
    path("reports/<int:pk>/", reportviews.report, name="dashboard_report"),
    path("reports/<int:pk>/download/", reportviews.report_download,
         name="dashboard_report_download"),
]
