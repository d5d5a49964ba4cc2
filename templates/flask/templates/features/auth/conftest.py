{# tests/conftest.py: the accounts' fixtures, at the end #}


@dataclass(frozen=True)
class Account:
    """An account as the tests know it: what it logs in with."""

    id: int
    email: str
    password: str
    login_id: str  # what a session holds (User.get_id())


PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Account]:
    """Create an account in the database."""

    def make(email: str = "ada@example.com", password: str = PASSWORD, **fields: Any) -> Account:
        with app.app_context():
            user = User(email=email, password=password, **fields)
            _db.session.add(user)
            _db.session.commit()
            return Account(user.id, user.email, password, user.get_id())

    return make


@pytest.fixture
def user(make_user: Callable[..., Account]) -> Account:
    return make_user()


def signed_in(client: FlaskClient, account: Account) -> FlaskClient:
    """`client` with the session that logging in as `account` gives (Flask-Login's keys)."""
    with client.session_transaction() as session:
        session["_user_id"] = account.login_id
        session["_fresh"] = True
    return client


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    """A browser without an account."""
    return app.test_client()


@pytest.fixture
def api_headers(app: Flask, user: Account) -> dict[str, str]:
    """The headers of an API client with a token of `user`'s."""
    with app.app_context():
        token = ApiToken.issue(_db.session.get_one(User, user.id), "tests")
        _db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def outbox(app: Flask) -> list[Any]:
    """The messages the app sends (flask_mailman.EmailMessage; EMAIL_URL is locmem://)."""
    mail = app.extensions["mailman"]
    mail.outbox = []
    messages: list[Any] = mail.outbox
    return messages
{#- end of the fragment: the including file has the line break -#}
