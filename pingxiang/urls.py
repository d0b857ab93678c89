from django.contrib import admin
from django.urls import include, path

from grids import home
from pingxiang import auditlog, views

urlpatterns = [
    path("", home.home, name="home"),
    path("role/", home.switch_role, name="switch_role"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/open/", views.inbox_open, name="inbox_open"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline_page, name="offline"),
    path("account/login/", views.login_view, name="login"),
    path("account/logout/", views.logout_view, name="logout"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/password/done/", views.password_change_done, name="password_change_done"),
    path("dashboard/", include("dashboard.urls")),
    path("audit/", auditlog.audit_log, name="audit_log"),
    path("grids/", include("grids.urls")),
    path("cases/", include("cases.urls")),
    path("petitions/", include("petitions.urls")),
    path("rectification/", include("rectification.urls")),
    path("messaging/", include("messaging.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "pingxiang.views.error_403"
handler404 = "pingxiang.views.error_404"
handler500 = "pingxiang.views.error_500"
