"""The accounts API's bodies and answers (msgspec Structs; the OpenAPI document shows them), and the forms."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct


class Login(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    password: Annotated[str, Meta(min_length=1, max_length=1024)]


class Me(Struct):
    name: str
    role: str
    can_edit: bool


class UserView(Struct):
    name: str
    role: str


class NewUser(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    role: Literal["viewer", "editor"] = "viewer"
    password: Annotated[str, Meta(max_length=1024)] | None = None  # none: one is made and returned once


class CreatedUser(Struct):
    name: str
    role: str
    password: str | None  # the generated password, shown this once; None when one was given


class PasswordChange(Struct, forbid_unknown_fields=True):
    current: Annotated[str, Meta(min_length=1, max_length=1024)]
    new: Annotated[str, Meta(min_length=1, max_length=1024)]


class LoginForm(Struct):
    """The sign-in page's form; over-long fields are cut, as typing them could not make them right."""

    name: str = ""
    password: str = ""
    next: str | None = None


class NewUserForm(Struct):
    name: str = ""
    role: str = "viewer"  # checked by UserStore.create, as the API's is


class PasswordForm(Struct):
    current: str = ""
    new: str = ""
    again: str = ""
