"""`tatame users`: the dashboard's staff logins."""

import argparse
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from dishka import AsyncContainer

from application.add_staff_user import AddStaffUser
from application.disable_staff_user import DisableStaffUser
from application.errors import StaffUserExists, UnknownStaffUser, UnknownTenant, WeakPassword
from application.gateway import Gateways
from application.list_staff_users import ListStaffUsers
from domain.staff import StaffRole
from entrypoints.container import make_container
from entrypoints.requests import in_request
from entrypoints.settings import Settings
from entrypoints.startup import migrate


def read_password(stdin: TextIO) -> tuple[str, bool]:
    """The password piped in (its first line), or a generated one when nothing is piped: (password,
    generated). A terminal is never read, so a password is never typed where it would be echoed."""
    if not stdin.isatty():
        line = stdin.readline().rstrip("\r\n")
        if line:
            return line, False
    return secrets.token_urlsafe(12), True


async def _run(settings: Settings, action: Callable[[AsyncContainer], Awaitable[int]]) -> int:
    container = make_container(settings, Gateways())
    try:
        await migrate(container)
        return await in_request(container, action)
    except (UnknownTenant, UnknownStaffUser, StaffUserExists, WeakPassword) as error:
        message = str(error)
        if isinstance(error, UnknownTenant):
            message += " (a tenant exists once `tatame ingest` or `tatame serve` loaded its pack)"
        print(f"tatame: error: {message}", file=sys.stderr)
        return 1
    finally:
        await container.close()


async def users_add_command(args: argparse.Namespace, settings: Settings) -> int:
    password, generated = read_password(sys.stdin)

    async def add(request: AsyncContainer) -> int:
        user = await (await request.get(AddStaffUser)).execute(args.tenant, args.email, password, StaffRole(args.role))
        print(f"{user.email} ({user.role}) can sign in to {args.tenant}'s dashboard at /dashboard/login")
        if generated:
            print(f"password (shown once): {password}")
        return 0

    return await _run(settings, add)


async def users_list_command(args: argparse.Namespace, settings: Settings) -> int:
    async def listing(request: AsyncContainer) -> int:
        views = await (await request.get(ListStaffUsers)).execute(args.tenant)
        for view in views:
            state = "disabled" if view.user.disabled else "active"
            print(f"{view.tenant}  {view.user.email}  {view.user.role}  {state}")
        print(f"{len(views)} user(s)")
        return 0

    return await _run(settings, listing)


async def users_disable_command(args: argparse.Namespace, settings: Settings) -> int:
    async def disable(request: AsyncContainer) -> int:
        await (await request.get(DisableStaffUser)).execute(args.email)
        print(f"{args.email.strip().lower()} can no longer sign in; their sessions ended")
        return 0

    return await _run(settings, disable)


def add_parsers(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    users_parser = commands.add_parser("users", help="staff logins of the dashboard")
    user_commands = users_parser.add_subparsers(dest="users_command", required=True)
    add_parser = user_commands.add_parser(
        "add", help="a login for a tenant's staff; the password is read from standard input, or generated and shown once"
    )
    add_parser.add_argument("email")
    add_parser.add_argument("--tenant", required=True, help="tenant slug")
    add_parser.add_argument("--role", choices=[role.value for role in StaffRole], default=StaffRole.STAFF.value)
    add_parser.set_defaults(handler=users_add_command)
    list_parser = user_commands.add_parser("list", help="staff logins, by tenant")
    list_parser.add_argument("--tenant", help="one tenant's (default: every tenant's)")
    list_parser.set_defaults(handler=users_list_command)
    disable_parser = user_commands.add_parser("disable", help="take a login away; its sessions end")
    disable_parser.add_argument("email")
    disable_parser.set_defaults(handler=users_disable_command)
