"""Pages of service requests and wishes: residents (resident.py), volunteers
(volunteer.py), the public wishes wall (public.py) and the staff console (console.py)."""
