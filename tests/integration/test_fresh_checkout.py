"""A fresh clone has no instance/ folder: the default configuration must create what it needs."""

from marketplace import create_app
from marketplace.config import Config


def test_the_app_starts_and_migrates_where_no_instance_folder_exists(tmp_path):
    instance = tmp_path / "not" / "there" / "yet"
    app = create_app(Config({"APP_ENV": "development", "INSTANCE_DIR": str(instance)}))
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    assert (instance / "marketplace.sqlite3").exists()
