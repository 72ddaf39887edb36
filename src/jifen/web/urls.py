from django.urls import path

from jifen.web.views import account, console, resident

app_name = "web"

urlpatterns = [
    path("", resident.home, name="home"),
    path("login/", account.login_view, name="login"),
    path("logout/", account.logout_view, name="logout"),
    path("register/", account.register_view, name="register"),
    path("password/", account.password_view, name="password"),
    path("consent/", account.consent_view, name="consent"),
    path("console/", console.dashboard, name="console"),
    path("console/people/", console.people_list, name="people"),
    path("console/people/new/", console.person_create, name="person_create"),
    path("console/people/<int:person_id>/", console.person_detail, name="person"),
    path("console/people/<int:person_id>/edit/", console.person_edit, name="person_edit"),
    path(
        "console/people/<int:person_id>/password/", console.person_password, name="person_password"
    ),
    path("console/people/<int:person_id>/roles/", console.role_grant, name="role_grant"),
    path("console/roles/<int:grant_id>/revoke/", console.role_revoke, name="role_revoke"),
    path("console/people/<int:person_id>/proxies/", console.proxy_add, name="proxy_add"),
    path("console/proxies/<int:proxy_id>/revoke/", console.proxy_revoke, name="proxy_revoke"),
    path("console/groups/", console.groups, name="groups"),
    path("console/teams/<int:team_id>/", console.team_detail, name="team"),
    path("console/regions/", console.regions, name="regions"),
    path("console/audit/", console.audit_log, name="audit"),
]
