import os
from pathlib import Path

import django

# Until the shared tests/conftest.py and pytest settings land on main, these tests configure themselves;
# this is a no-op once the project's settings are in place.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("STUDIO_VAR_DIR", str(Path(__file__).resolve().parents[2] / "var" / "test"))
django.setup()
