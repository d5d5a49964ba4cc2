{# config/settings.py: after the cache #}


# Accounts: users log in by email address (accounts.User, from the first migration on).
# https://docs.djangoproject.com/en/stable/topics/auth/customizing/

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# On: a new account logs in once its owner opened the link emailed to the address.
ACCOUNTS_VERIFY_EMAIL = env.bool("ACCOUNTS_VERIFY_EMAIL", default={{ cookiecutter._features.auth.email_verification | string }})
# How long the links of password reset and email confirmation work (they work once).
PASSWORD_RESET_TIMEOUT = 3 * 60 * 60

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Argon2id for new passwords (argon2-cffi); the others only read older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Failed logins (django-axes, accounts/throttling.py): an account is locked after 5 failures,
# an address after 20, for 15 minutes; the login page answers 429 meanwhile.
AXES_HANDLER = "accounts.throttling.Handler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = 5
ACCOUNTS_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_CALLABLE = "accounts.throttling.username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
# Behind the proxy (production), the visitor's address is the last of X-Forwarded-For.
ACCOUNTS_BEHIND_PROXY = env.bool("ACCOUNTS_BEHIND_PROXY", default=not DEBUG)


# Email: EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587; the console in
# development (.env). https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url

email = env.email_url("EMAIL_URL", default="smtp://localhost:25")
EMAIL_BACKEND = email["EMAIL_BACKEND"]
EMAIL_HOST = email.get("EMAIL_HOST", "")
EMAIL_PORT = email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
{#- end of the fragment: the including file has the line break -#}
