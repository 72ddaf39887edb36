from django.urls import path

from jifen.inspection import views

app_name = "inspection"

urlpatterns = [
    # Inspectors (巡察, desktop): the summary, the messages behind a figure, the search
    path("console/inspection/", views.summary, name="summary"),
    path("console/inspection/summary.xlsx", views.summary_export, name="summary_export"),
    path("console/inspection/messages/", views.messages, name="messages"),
    path("console/inspection/messages.xlsx", views.messages_export, name="messages_export"),
]
