from catalogue.paths import record_pages
from policies import views

app_name = "policies"
urlpatterns = record_pages("policies", "policy", views.policy_list, views.policy_export, views.policy_detail)
