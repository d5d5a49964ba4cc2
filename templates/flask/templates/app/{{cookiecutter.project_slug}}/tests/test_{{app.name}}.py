"""The {{ app.name }} blueprint ({{ cookiecutter.package_name }}/{{ app.name }}/)."""


def test_the_index_page(client):
    response = client.get("/{{ app.url }}/")
    assert response.status_code == 200
    assert "<h1>{{ app.title }}</h1>" in response.get_data(as_text=True)


def test_the_navigation_links_it(client):
    assert 'href="/{{ app.url }}/"' in client.get("/").get_data(as_text=True)
