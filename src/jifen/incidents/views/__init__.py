"""Pages of grid incidents: grid workers on a phone (field.py), residents (resident.py),
one incident's page for everyone who may see it and the steps taken from it
(detail.py), and the staff console (console.py)."""
