"""Passwords: hashed with Argon2id (argon2-cffi), and refused when weak."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10
MAX_LENGTH = 256
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")

# RFC 9106's recommendation for servers short of memory: Argon2id, 3 passes over 64 MiB. The
# tests use the cheapest settings (still Argon2id), or they would take minutes.
HASHER = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
TEST_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


def hasher() -> PasswordHasher:
    return TEST_HASHER if current_app.testing else HASHER


def hash_password(password: str) -> str:
    """`$argon2id$v=19$m=...,t=...,p=...$salt$hash`: the settings and a random salt in it."""
    return hasher().hash(password)


def verify(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    """A hash to check a password against when there is no account: a login for an unknown
    address takes as long as one for a known address."""
    return hash_password("there is no such account")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def problems(password: str, email: str = "") -> list[str]:
    """Why `password` is too weak, if it is (an empty list when it is fine)."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    if password.lower() in common_passwords():
        return ["This password is too common: anyone could guess it."]
    name = email.partition("@")[0].lower()
    if len(name) >= 3 and name in password.lower():
        return ["Choose a password that does not contain your email address."]
    if password.isdigit():
        return ["Use letters too, not only digits."]
    return []
