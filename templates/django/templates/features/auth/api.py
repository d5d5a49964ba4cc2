{# api/__init__.py: after BODY_ERRORS #}
# The answers of an operation that needs a user (auth=WRITE_AUTH, accounts/api.py): 401 without
# one, 403 for a browser's session without its CSRF token.
AUTH_ERRORS = {401: Error, 403: Error}


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error(request, 401, "Log in, or send an API token: 'Authorization: Bearer <token>'.")
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
{#- end of the fragment: the including file has the line break -#}
