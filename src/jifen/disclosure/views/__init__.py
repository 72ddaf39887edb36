"""Pages of 村务公开: the public ones (``public``, no login, phone first) and the staff
console's (``console``, desktop)."""
