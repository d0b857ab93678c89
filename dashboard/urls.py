from django.urls import path

from dashboard import briefing, views

# Not namespaced: every page's header links to "dashboard" and "briefing".
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("trends/", views.trends, name="dashboard_trends"),
    path("briefing/", briefing.briefing, name="briefing"),
    path("briefing.docx", briefing.briefing_docx, name="briefing_docx"),
]
