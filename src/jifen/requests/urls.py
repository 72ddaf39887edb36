from django.urls import path

from jifen.requests.views import public, resident, volunteer

app_name = "requests"

urlpatterns = [
    # Residents (phone): 我要点单, 许个微心愿, 我的点单, one request and its steps
    path("requests/", resident.mine, name="mine"),
    path("requests/new/", resident.new, name="new"),
    path("requests/wish/", resident.new_wish, name="new_wish"),
    path("requests/<int:pk>/", resident.detail, name="detail"),
    path("requests/<int:pk>/cancel/", resident.cancel, name="cancel"),
    path("requests/<int:pk>/confirm/", resident.confirm, name="confirm"),
    path("requests/<int:pk>/dispute/", resident.dispute, name="dispute"),
    path("requests/photos/<int:photo_id>/", resident.photo, name="photo"),
    # Volunteers (phone): 可接的单, 我接的单, and their steps
    path("requests/open/", volunteer.open_list, name="open"),
    path("requests/taken/", volunteer.taken, name="taken"),
    path("requests/<int:pk>/accept/", volunteer.accept, name="accept"),
    path("requests/<int:pk>/done/", volunteer.done, name="done"),
    path("requests/<int:pk>/hand-back/", volunteer.hand_back, name="hand_back"),
    path("requests/<int:pk>/assign/", volunteer.assign_member, name="assign_member"),
    # Anyone, no login: the wishes wall (心愿墙)
    path("wishes/<str:code>/", public.wall, name="wall"),
    # console (req_staff) — staff pages under /console/requests/, added here by req_staff
    # end console (req_staff)
]
