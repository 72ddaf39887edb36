from django.urls import path

from jifen.messages.views import common, console, public, resident

app_name = "messages"

urlpatterns = [
    # Residents (phone): 写留言, 我的留言, one message with its answers and the rating
    path("messages/", resident.mine, name="mine"),
    path("messages/new/", resident.new, name="new"),
    path("messages/<int:pk>/", resident.detail, name="detail"),
    path("messages/<int:pk>/rate/", resident.rate, name="rate"),
    path("messages/<int:pk>/withdraw/", resident.withdraw, name="withdraw"),
    path("messages/photos/<int:photo_id>/", common.photo, name="photo"),
    # Anyone, no login: the public message board of a region
    path("messages/board/<str:code>/", public.board, name="board"),
    # Staff and inspectors (desktop): the queue and one message
    path("console/messages/", console.console_list, name="console_list"),
    path("console/messages/<int:pk>/", console.console_detail, name="console_detail"),
    path("console/messages/<int:pk>/reply/", console.console_reply, name="console_reply"),
    path("console/messages/<int:pk>/close/", console.console_close, name="console_close"),
    path("console/messages/<int:pk>/incident/", console.console_incident, name="console_incident"),
    path("console/messages/<int:pk>/request/", console.console_request, name="console_request"),
]
