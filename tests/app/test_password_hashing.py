"""Password hashes: strong argon2 parameters unless the test suite asks for cheap ones."""

from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters, profiles

from app.services.auth import CHEAP_TEST_HASHES_VARIABLE, hash_password, password_hasher


def test_strong_parameters_without_the_test_setting() -> None:
    for environ in ({}, {CHEAP_TEST_HASHES_VARIABLE: "0"}, {CHEAP_TEST_HASHES_VARIABLE: "yes"}):
        digest = password_hasher(environ).hash("demo")
        assert extract_parameters(digest) == profiles.RFC_9106_LOW_MEMORY
        assert digest.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_suite_hashes_cheaply_and_strong_hashers_still_verify() -> None:
    digest = hash_password("demo")
    assert extract_parameters(digest) == profiles.CHEAPEST
    assert PasswordHasher().verify(digest, "demo")
    assert password_hasher({}).verify(digest, "demo")
