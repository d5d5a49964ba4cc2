import pytest
from django.test import Client
from django.urls import reverse


def test_the_index_page(client: Client) -> None:
    response = client.get(reverse("{{ app.name }}:index"))
    assert response.status_code == 200
    assert "<h1>{{ app.title }}</h1>" in response.content.decode()


@pytest.mark.django_db  # the home page lists the items
def test_the_navigation_links_it(client: Client) -> None:
    assert 'href="/{{ app.url }}/"' in client.get("/").content.decode()
