from django.urls import path

from grids import views

app_name = "grids"

urlpatterns = [
    path("areas/", views.area_list, name="area_list"),
    path("areas/<int:pk>/", views.area_detail, name="area_detail"),
    path("villages/<int:pk>/responsibilities/", views.responsibilities,
         name="responsibilities"),
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("households/<int:pk>/flags/", views.household_flags, name="household_flags"),
    path("households/<int:pk>/visit/", views.visit_new, name="visit_new"),
    path("households/<int:pk>/key-person/", views.key_person_new, name="key_person_new"),
    path("places/", views.key_place_list, name="key_place_list"),
    path("places/new/", views.key_place_new, name="key_place_new"),
    path("places/<int:pk>/", views.key_place_detail, name="key_place_detail"),
    path("places/<int:pk>/visit/", views.visit_new_place, name="visit_new_place"),
    path("key-persons/", views.key_person_list, name="key_person_list"),
    path("key-persons/<int:pk>/", views.key_person_detail, name="key_person_detail"),
    path("key-persons/<int:pk>/status/", views.key_person_status, name="key_person_status"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/export/", views.visit_export, name="visit_export"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/photo/", views.visit_photo, name="visit_photo"),
    path("worklist/", views.worklist, name="worklist"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/<int:pk>/", views.campaign_coverage, name="campaign_coverage"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
]
