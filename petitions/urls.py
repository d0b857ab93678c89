app_name = "petitions"

urlpatterns = []
