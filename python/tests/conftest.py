import pytest

import dialcore


@pytest.fixture
def campaign():
    return dialcore.Campaign(mode="progressive", default_country=1, bcw_ms=0)
