import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_migrations_match_the_models():
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit:
        pytest.fail("The models changed without a migration: run manage.py makemigrations.")
