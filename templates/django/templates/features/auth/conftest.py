{# tests/conftest.py: at the end #}


# Accounts: pages and API change data for a logged-in user only. The tests' `client` is one
# (logged in as `user`); `anonymous_client` is a visitor.
PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(db) -> User:
    return User.objects.create_user("ada@example.com", PASSWORD)


@pytest.fixture
def client(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


@pytest.fixture
def token(user: User) -> str:
    """An API token of `user`, for `Authorization: Bearer`."""
    return Token.issue(user, "tests")[1]
{#- end of the fragment: the including file has the line break -#}
