def test_listing_factory_creates_an_available_listing(app, make):
    owner = make.builder()
    listing = make.listing(owner)
    assert listing.status == "available"
    assert listing.mass_source == "estimated"
    assert str(listing.kg_per_unit) == "3.000"
