"""Demo checkpoints: 安溪县's signing key (demo passphrase, printed in the demo's login
list — never a real one) and one signed monthly copy, so the console's signing page and
the public key page have something to show. The logs themselves fill as the demo
publishes its months and disclosures."""

from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.witness import services
from jifen.witness.models import SigningKey

COUNTY = "350524"
COUNTY_ADMIN = "13800000001"
DEMO_PASSPHRASE = "demo-passphrase-anxi-2026"  # noqa: S105 - the demo's, published


def seed() -> int:
    """Returns 1 when it made the key and signed once, 0 when there was nothing to do."""
    county = Region.objects.filter(code=COUNTY).first()
    admin = Person.objects.filter(phone=COUNTY_ADMIN).first()
    if county is None or admin is None or SigningKey.objects.filter(region=county).exists():
        return 0
    services.create_key(actor=admin, region=county, passphrase=DEMO_PASSPHRASE)
    services.sign(actor=admin, region=county, passphrase=DEMO_PASSPHRASE)
    return 1
