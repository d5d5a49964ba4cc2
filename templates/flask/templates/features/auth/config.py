{# config.py: the accounts' settings (in Config.__init__, before the cache) #}

        # Accounts (accounts/). Email: printed in development, kept in memory by the tests,
        # sent through SMTP in production (smtp://USER:PASSWORD@HOST:587 uses STARTTLS,
        # smtps://...:465 TLS; accounts/mail.py reads it).
        default_email = "console://" if self.DEBUG else "smtp://localhost:25"
        self.EMAIL_URL = "locmem://" if self.TESTING else environ.get("EMAIL_URL", default_email)
        self.DEFAULT_FROM_EMAIL = environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
        # Whether a new account must confirm its address (a mailed link) before it logs in.
        self.EMAIL_VERIFICATION = {{ "True" if cookiecutter._features.auth.email_verification else "False" }}
        # Where Flask-Limiter counts failed logins: memory:// counts in each worker process;
        # set redis://HOST:6379/1 to count once for every worker and server.
        self.RATELIMIT_STORAGE_URI = (
            "memory://" if self.TESTING else environ.get("RATELIMIT_STORAGE_URI", "memory://")
        )
{#- end of the fragment: the including file has the line break -#}
