"""How personal data appears where it must not be read in full (CONTRACT.md)."""


def mask_name(name: str) -> str:
    """王梅 → 王*, 王淑梅 → 王*梅, 欧阳淑梅 → 欧**梅; one character stays as it is."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    if len(name) == 3:
        return name[0] + "*" + name[2]
    return name[0] + "**" + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str) -> str:
    """350524199001011234 → 3505**********1234."""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_email(email: str) -> str:
    """w***@example.com: enough to recognise one's own address, not to write to it."""
    if not email or "@" not in email:
        return ""
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
