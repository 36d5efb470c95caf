"""`tatame`: chat in the terminal, ingest knowledge, migrate, run scenarios, evaluate answers, resume a
conversation, report usage, add centers and their WhatsApp numbers, back up and restore, honour
members' data rights."""

import argparse
import asyncio
import contextlib
import datetime as dt
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import attrs
from dishka import AsyncContainer

from adapters.clock import SettableClock
from adapters.evolution.gateway import make_client
from adapters.evolution.instances import WEBHOOK_EVENTS, EvolutionInstanceControl
from adapters.shipped import default_knowledge_dir
from adapters.terminal import TerminalGateway
from application.add_tenant import AddTenant
from application.back_up import BackUp
from application.backup_archive import BackupFailed, Manifest
from application.channel_control import ChannelControlFailed, ConnectionState, Pairing
from application.clock import Clock
from application.connect_channel import ConnectChannel
from application.disable_channel import DisableChannel
from application.erase_member_data import EraseMemberData
from application.errors import UnknownChannel, UnknownTenant
from application.export_member_data import ExportMemberData
from application.gateway import Gateways
from application.ingest_knowledge import cli_channel_name
from application.knowledge_index import KnowledgeSyncFailed
from application.list_channels import ListChannels
from application.list_erasure_requests import ListErasureRequests
from application.model_usage import ModelUsage
from application.register_channel import RegisterChannel
from application.restore_backup import RestoreBackup
from application.resume_conversation import ResumeConversation
from application.tenant_packs import InvalidTenantPack
from application.unit_of_work import UnitOfWork
from application.usage_stats import UsageStats
from domain.phone import Phone
from domain.route import Route
from entrypoints.channels import channel_line, member_gateways
from entrypoints.container import make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.eval_file import EvalFileError, load_question_set
from entrypoints.eval_report import describe as describe_answer
from entrypoints.eval_report import summary, write_json
from entrypoints.eval_run import run_all as run_questions
from entrypoints.logs import configure_logging
from entrypoints.member_data import erasure_line, export_json, request_lines
from entrypoints.requests import in_request
from entrypoints.scenario_file import ScenarioError, load_scenario, parse_instant, scenario_files
from entrypoints.scenarios import describe, run_all
from entrypoints.serve import serve
from entrypoints.settings import ENGINES, Settings, SettingsError
from entrypoints.staff_users import add_parsers as add_users_parsers
from entrypoints.startup import ingest, migrate, prepare
from entrypoints.usage import stats_report, turn_calls
from entrypoints.worker import run_worker

DEFAULT_PHONE = "5511900000000"
# The erasure audit's `cause`: which command erased, never who was erased.
ERASE_CAUSE = "tatame members erase"


class UsageError(Exception):
    pass


def _clock(args: argparse.Namespace) -> SettableClock | None:
    return SettableClock(args.now) if getattr(args, "now", None) else None


async def chat(args: argparse.Namespace, settings: Settings) -> int:
    # In the terminal every line is a turn of its own: no buffer window.
    settings = attrs.evolve(settings, buffer_window=0.0, buffer_max=0.0)
    container = make_container(settings, Gateways(TerminalGateway(sys.stdout)), _clock(args))
    try:
        tenants = [t.slug for t in await prepare(container)]
        tenant = args.tenant or (tenants[0] if len(tenants) == 1 else settings.default_tenant)
        if tenant not in tenants:
            raise UsageError(f"no tenant {tenant!r}; the knowledge folder has: {', '.join(tenants)}")
        conversation = TerminalConversation(container, cli_channel_name(tenant), Phone(args.phone))
        print(f"Tatame · {tenant} · {conversation.phone}. Escreva como no WhatsApp; Ctrl+D sai.", flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            if not line.strip():
                continue
            result = await conversation.say(line.strip())
            if result and result.route is Route.PAUSED:
                print(f"(bot em pausa: a conversa está com a equipe; `tatame resume {conversation.phone}` devolve ao bot)", flush=True)
            elif result and args.verbose:
                print(f"(rota: {result.route} · {await _turn_calls(container, conversation)})", flush=True)
        return 0
    finally:
        await container.close()


async def _turn_calls(container: AsyncContainer, conversation: TerminalConversation) -> str:
    assert conversation.received is not None  # a turn was answered
    usage = await container.get(ModelUsage)
    return turn_calls(await usage.latest_turn_calls(conversation.received.tenant_id, conversation.received.conversation_id))


async def _known_tenant(request: AsyncContainer, slug: str) -> bool:
    return await (await request.get(UnitOfWork)).tenants.by_slug(slug) is not None


async def stats_command(args: argparse.Namespace, settings: Settings) -> int:
    container = make_container(settings, Gateways(TerminalGateway(sys.stdout)))
    since = args.since or (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).date()
    try:
        await migrate(container)
        if args.tenant and not await in_request(container, lambda request: _known_tenant(request, args.tenant)):
            raise UsageError(f"no tenant {args.tenant!r}")
        stats = await container.get(UsageStats)
        print(f"since {since}" + (f", tenant {args.tenant}" if args.tenant else ", every tenant"))
        print(stats_report(await stats.turns(args.tenant, since), await stats.calls(args.tenant, since)))
        return 0
    finally:
        await container.close()


async def ingest_command(args: argparse.Namespace, settings: Settings) -> int:
    container = make_container(settings, Gateways(TerminalGateway(sys.stdout)))
    try:
        await migrate(container)
        for tenant in await ingest(container):
            r = tenant.report
            print(f"{tenant.slug}: {r.indexed} indexed, {r.unchanged} unchanged, {r.removed} removed")
        return 0
    finally:
        await container.close()


async def migrate_command(args: argparse.Namespace, settings: Settings) -> int:
    container = make_container(settings, Gateways(TerminalGateway(sys.stdout)))
    try:
        await migrate(container)
        print("schema is at head")
        return 0
    finally:
        await container.close()


async def scenarios_command(args: argparse.Namespace, settings: Settings) -> int:
    files = scenario_files([Path(p) for p in args.paths])
    if not files:
        raise UsageError("no scenario files (*.yaml) found")
    scenarios = [load_scenario(file) for file in files]
    outcomes = await run_all(scenarios, settings, args.now, lambda o: print(describe(o), flush=True))
    failed = sum(not o.passed for o in outcomes)
    print(f"{len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed else 0


async def eval_command(args: argparse.Namespace, settings: Settings) -> int:
    files = scenario_files([Path(p) for p in args.paths])
    if not files:
        raise UsageError("no question files (*.yaml) found")
    if args.engine:
        settings = attrs.evolve(settings, engine_choice=args.engine)
    question_sets = [load_question_set(file) for file in files]
    outcomes = await run_questions(question_sets, settings, _clock(args), lambda o: print(describe_answer(o, args.verbose), flush=True))
    if args.json:
        try:
            write_json(Path(args.json), outcomes)
        except OSError as error:
            raise UsageError(f"--json: {error}") from error
    print("\n".join(summary(outcomes)))
    # The figures are for a person (or a test) to judge: the command fails only on files it cannot read.
    return 0


def _require_secret(settings: Settings) -> None:
    if not settings.webhook_secret:
        raise UsageError("set WEBHOOK_SECRET: every webhook call must prove it comes from your Evolution API")


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    _require_secret(settings)
    return serve(settings, args.processes, with_worker=not args.no_worker)


def _print_pairing(instance: str, pairing: Pairing, qr_file: Path | None) -> None:
    if pairing.state is ConnectionState.OPEN:
        print(f"{instance}: open, connected to WhatsApp")
        return
    print(f"{instance}: {pairing.state}, not paired yet")
    if pairing.pairing_code:
        print(f"pairing code: {pairing.pairing_code} (WhatsApp > Dispositivos conectados > Conectar com número de telefone)")
    if qr_file is not None and pairing.qr_png:
        qr_file.write_bytes(pairing.qr_png)
        print(f"QR code: {qr_file} (WhatsApp > Dispositivos conectados > Conectar dispositivo)")
    elif pairing.qr_text:
        print("QR code: scan it in Evolution's manager (/manager), or run again with --qr FILE for the image")
    print("then run this command again: it says `open` once the number is paired")


def _required(value: str | None, variable: str) -> str:
    if not value:
        raise UsageError(f"set {variable}")
    return value


async def channels_connect_command(args: argparse.Namespace, settings: Settings) -> int:
    instance = _required(args.instance or settings.evolution_instance, "EVOLUTION_INSTANCE or pass --instance")
    webhook_url = _required(args.webhook_url or settings.webhook_url, "WEBHOOK_URL or pass --webhook-url")
    evolution_url = _required(settings.evolution_url, "EVOLUTION_URL")
    api_key = _required(settings.evolution_api_key, "EVOLUTION_API_KEY")
    secret = _required(settings.webhook_secret, "WEBHOOK_SECRET: Evolution must prove every webhook with it")
    async with make_client(settings.evolution_timeout) as http:
        control = EvolutionInstanceControl(http, evolution_url, api_key)
        try:
            pairing = await ConnectChannel(control).execute(instance, webhook_url, secret, args.phone, create=args.create)
        except ChannelControlFailed as error:
            print(f"tatame: error: {error}", file=sys.stderr)
            return 1
    print(f"{instance}: webhook {webhook_url} with the secret header, events {', '.join(WEBHOOK_EVENTS)}")
    _print_pairing(instance, pairing, args.qr)
    return 0


async def _operate(settings: Settings, action: Callable[[AsyncContainer], Awaitable[int]]) -> int:
    """Runs `action` on the migrated database; nothing is sent to members from here."""
    container = make_container(settings, Gateways())
    try:
        await migrate(container)
        return await in_request(container, action)
    except (UnknownTenant, UnknownChannel) as error:
        raise UsageError(str(error)) from None
    finally:
        await container.close()


async def tenants_add_command(args: argparse.Namespace, settings: Settings) -> int:
    if settings.knowledge_dir.resolve() == default_knowledge_dir().resolve():
        raise UsageError("set KNOWLEDGE_DIR to a folder of your own: the packs of the centers live there, not in the installed package")

    async def add(request: AsyncContainer) -> int:
        ingested = await (await request.get(AddTenant)).execute(args.slug, args.pack)
        print(f"{ingested.slug}: added to {settings.knowledge_dir}, {ingested.report.indexed} indexed")
        return 0

    return await _operate(settings, add)


async def tenants_list_command(args: argparse.Namespace, settings: Settings) -> int:
    async def listing(request: AsyncContainer) -> int:
        for tenant in await (await request.get(ListChannels)).tenants():
            print(f"{tenant.slug}  {tenant.name}  channels: {', '.join(tenant.channels) or '-'}")
        return 0

    return await _operate(settings, listing)


async def channels_add_command(args: argparse.Namespace, settings: Settings) -> int:
    async def add(request: AsyncContainer) -> int:
        channel = await (await request.get(RegisterChannel)).execute(args.tenant, args.instance, args.url, args.api_key)
        print(
            f"{channel.name}: a WhatsApp number of {args.tenant}, Evolution at {channel.api_url}"
            + ("" if channel.enabled else " (disabled)")
        )
        return 0

    return await _operate(settings, add)


async def channels_list_command(args: argparse.Namespace, settings: Settings) -> int:
    async def listing(request: AsyncContainer) -> int:
        for view in await (await request.get(ListChannels)).channels():
            print(channel_line(view))
        return 0

    return await _operate(settings, listing)


async def channels_disable_command(args: argparse.Namespace, settings: Settings) -> int:
    async def disable(request: AsyncContainer) -> int:
        channel = await (await request.get(DisableChannel)).execute(args.name)
        print(f"{channel.name}: disabled; its webhooks are refused and nothing more is sent through it")
        return 0

    return await _operate(settings, disable)


async def worker_command(args: argparse.Namespace, settings: Settings) -> int:
    async with make_client(settings.evolution_timeout) as http:
        container = make_container(settings, member_gateways(http))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await run_worker(container, stop, settings.worker_poll, first=migrate, retention_days=settings.retention_days)
        finally:
            await container.close()
    return 0


async def resume_command(args: argparse.Namespace, settings: Settings) -> int:
    container = make_container(settings, Gateways(TerminalGateway(sys.stdout)))
    tenant = args.tenant or settings.default_tenant

    async def resume(request: AsyncContainer) -> bool:
        return await (await request.get(ResumeConversation)).execute(tenant, Phone(args.phone))

    try:
        await migrate(container)
        resumed = await in_request(container, resume)
        print("the bot answers this conversation again" if resumed else f"no conversation with {args.phone} at {tenant}")
        return 0 if resumed else 1
    finally:
        await container.close()


async def _members(settings: Settings, action: Callable[[AsyncContainer], Awaitable[int]]) -> int:
    container = make_container(settings, Gateways(TerminalGateway(sys.stderr)))
    try:
        await migrate(container)
        return await in_request(container, action)
    except UnknownTenant as error:
        raise UsageError(str(error)) from None
    finally:
        await container.close()


STANDARD_STREAM = "-"


async def backup_command(args: argparse.Namespace, settings: Settings) -> int:
    # Standard output may be the backup itself: everything said goes to stderr.
    container = make_container(settings, Gateways(TerminalGateway(sys.stderr)))
    try:
        back_up = await container.get(BackUp)
        if args.path == STANDARD_STREAM:
            if sys.stdout.isatty():
                raise UsageError("standard output is a terminal: redirect it to a file (`tatame backup - > FILE`)")
            manifest = await back_up.execute(sys.stdout.buffer, settings.knowledge_dir)
            sys.stdout.buffer.flush()
        else:
            manifest = await _back_up_to_file(back_up, Path(args.path), settings.knowledge_dir)
        print(
            f"backup {args.path}: Tatame {manifest.tatame_version}, schema {manifest.schema_revision}, {manifest.created_at:%Y-%m-%d %H:%M %Z}",
            file=sys.stderr,
        )
        return 0
    finally:
        await container.close()


async def members_export_command(args: argparse.Namespace, settings: Settings) -> int:
    tenant, phone = args.tenant or settings.default_tenant, Phone(args.phone)

    async def export(request: AsyncContainer) -> int:
        records = await (await request.get(ExportMemberData)).execute(tenant, phone)
        print(export_json(tenant, phone, records))
        return 0

    return await _members(settings, export)


async def members_erase_command(args: argparse.Namespace, settings: Settings) -> int:
    tenant = args.tenant or settings.default_tenant

    async def erase(request: AsyncContainer) -> int:
        erasure = await (await request.get(EraseMemberData)).execute(tenant, Phone(args.phone), ERASE_CAUSE)
        print(erasure_line(tenant, erasure))
        return 0

    return await _members(settings, erase)


async def members_requests_command(args: argparse.Namespace, settings: Settings) -> int:
    async def listing(request: AsyncContainer) -> int:
        requests = await (await request.get(ListErasureRequests)).execute(args.tenant)
        print("\n".join(request_lines(requests, (await request.get(Clock)).now())))
        return 0

    return await _members(settings, listing)


async def _back_up_to_file(back_up: BackUp, path: Path, knowledge_dir: Path) -> Manifest:
    # Written beside the target and renamed at the end: a cut-short backup never looks like a whole one.
    partial = path.with_name(f"{path.name}.partial")
    try:
        target = partial.open("wb")
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None
    try:
        with target:
            manifest = await back_up.execute(target, knowledge_dir)
        partial.replace(path)
        return manifest
    finally:
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def _backup_source(path: str) -> Iterator[BinaryIO]:
    if path == STANDARD_STREAM:
        yield sys.stdin.buffer
        return
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no backup file {path}")
    with file.open("rb") as source:
        yield source


async def restore_command(args: argparse.Namespace, settings: Settings) -> int:
    container = make_container(settings, Gateways(TerminalGateway(sys.stdout)))
    try:
        restore = await container.get(RestoreBackup)
        with _backup_source(args.path) as source:
            manifest = await restore.execute(source, settings.knowledge_dir, replace=args.force)
        print(
            f"restored the backup of {manifest.created_at:%Y-%m-%d %H:%M %Z} (Tatame {manifest.tatame_version}, schema {manifest.schema_revision})"
        )
        # A backup older than the code is brought to head; the index is not in backups: the packs rebuild it.
        await migrate(container)
        for tenant in await ingest(container):
            print(f"{tenant.slug}: {tenant.report.indexed} indexed, {tenant.report.unchanged} unchanged, {tenant.report.removed} removed")
        return 0
    finally:
        await container.close()


def _instant(value: str):
    try:
        return parse_instant(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tatame", description="WhatsApp front desk for training centers.")
    commands = parser.add_subparsers(dest="command", required=True)

    def knowledge_option(command: argparse.ArgumentParser) -> None:
        command.add_argument("--knowledge", metavar="DIR", help="folder of tenant packs (default: KNOWLEDGE_DIR)")

    chat_parser = commands.add_parser("chat", help="talk to the bot as a member would")
    chat_parser.add_argument("--tenant", help="tenant slug (default: DEFAULT_TENANT)")
    chat_parser.add_argument("--phone", default=DEFAULT_PHONE, help="the member's phone; the same phone continues the same conversation")
    chat_parser.add_argument("--now", type=_instant, help="run on a fixed clock (ISO 8601 with offset)")
    chat_parser.add_argument(
        "--verbose", "-v", action="store_true", help="show each turn's route, the engine that answered, the model calls and their tokens"
    )
    knowledge_option(chat_parser)
    chat_parser.set_defaults(handler=chat)

    ingest_parser = commands.add_parser("ingest", help="load tenant packs and update the knowledge index")
    knowledge_option(ingest_parser)
    ingest_parser.set_defaults(handler=ingest_command)

    commands.add_parser("migrate", help="bring the database schema to the latest revision").set_defaults(handler=migrate_command)

    serve_parser = commands.add_parser("serve", help="the WhatsApp service: Evolution webhooks, and a turn worker process beside them")
    serve_parser.add_argument("--no-worker", action="store_true", help="only take webhooks; run `tatame worker` processes apart")
    serve_parser.add_argument("--processes", type=int, default=1, help="server processes (one per core is a good start)")
    knowledge_option(serve_parser)
    serve_parser.set_defaults(handler=serve_command, sync=True)

    commands.add_parser("worker", help="answer due conversations and deliver replies (more processes share the work)").set_defaults(
        handler=worker_command
    )

    tenants_parser = commands.add_parser("tenants", help="the training centers this deployment serves")
    tenant_commands = tenants_parser.add_subparsers(dest="tenants_command", required=True)
    tenant_add_parser = tenant_commands.add_parser("add", help="add a center: copy its pack into KNOWLEDGE_DIR and ingest it")
    tenant_add_parser.add_argument("slug", metavar="SLUG", help="lowercase letters, digits and dashes")
    tenant_add_parser.add_argument("--knowledge", dest="pack", metavar="DIR", type=Path, required=True, help="the center's pack")
    tenant_add_parser.set_defaults(handler=tenants_add_command)
    tenant_commands.add_parser("list", help="every center and its channels").set_defaults(handler=tenants_list_command)

    channels_parser = commands.add_parser("channels", help="WhatsApp numbers (Evolution instances)")
    channel_commands = channels_parser.add_subparsers(dest="channels_command", required=True)
    add_parser = channel_commands.add_parser(
        "add", help="give a center a WhatsApp number (an Evolution instance), or update its URL and key"
    )
    add_parser.add_argument("--tenant", metavar="SLUG", required=True)
    add_parser.add_argument("--instance", metavar="NAME", required=True, help="the Evolution instance: webhooks naming it are the center's")
    add_parser.add_argument("--url", metavar="URL", required=True, help="the base URL of the Evolution API serving it")
    add_parser.add_argument("--api-key", metavar="KEY", required=True, help="the instance's token (or Evolution's global key)")
    add_parser.set_defaults(handler=channels_add_command)
    channel_commands.add_parser("list", help="every center's channels (API keys masked)").set_defaults(handler=channels_list_command)
    disable_parser = channel_commands.add_parser("disable", help="stop a channel: refuse its webhooks, send nothing through it")
    disable_parser.add_argument("name", metavar="NAME")
    disable_parser.set_defaults(handler=channels_disable_command)
    connect_parser = channel_commands.add_parser(
        "connect", help="point an instance's webhook at Tatame (URL, secret, events) and show its pairing with WhatsApp"
    )
    connect_parser.add_argument("--instance", metavar="NAME", help="the Evolution instance (default: EVOLUTION_INSTANCE)")
    connect_parser.add_argument("--webhook-url", metavar="URL", help="where Evolution posts (default: WEBHOOK_URL)")
    connect_parser.add_argument("--create", action="store_true", help="create the instance when Evolution has none by that name")
    connect_parser.add_argument("--phone", metavar="DIGITS", help="the number being paired, country code first: also get a pairing code")
    connect_parser.add_argument("--qr", metavar="FILE", type=Path, help="save the QR code to scan as a PNG image")
    connect_parser.set_defaults(handler=channels_connect_command)

    stats_parser = commands.add_parser("stats", help="turns by route and engine, model calls, tokens and cost, per day")
    stats_parser.add_argument("--tenant", help="one tenant's (default: every tenant's)")
    stats_parser.add_argument("--since", type=_date, help="first day, YYYY-MM-DD in UTC (default: 30 days ago)")
    stats_parser.set_defaults(handler=stats_command)

    resume_parser = commands.add_parser("resume", help="hand a conversation back to the bot")
    resume_parser.add_argument("phone")
    resume_parser.add_argument("--tenant", help="tenant slug (default: DEFAULT_TENANT)")
    resume_parser.set_defaults(handler=resume_command)

    add_users_parsers(commands)

    members_parser = commands.add_parser("members", help="members' data rights (LGPD): export, erase, erasure requests")
    member_commands = members_parser.add_subparsers(dest="members_command", required=True)
    export_parser = member_commands.add_parser("export", help="everything stored about a member, as JSON on standard output")
    erase_parser = member_commands.add_parser(
        "erase", help="delete a member's data (trial classes anonymized, still counted); safe to repeat"
    )
    for member_parser, handler in ((export_parser, members_export_command), (erase_parser, members_erase_command)):
        member_parser.add_argument("phone")
        member_parser.add_argument("--tenant", help="tenant slug (default: DEFAULT_TENANT)")
        member_parser.set_defaults(handler=handler)
    requests_parser = member_commands.add_parser("requests", help="members' erasure requests, with their 15-day deadline")
    requests_parser.add_argument("--tenant", help="one tenant's (default: every tenant's)")
    requests_parser.set_defaults(handler=members_requests_command)

    backup_parser = commands.add_parser("backup", help="the database and the knowledge packs, with a manifest, in one file")
    backup_parser.add_argument("path", metavar="PATH", help="the file to write (`-`: standard output)")
    knowledge_option(backup_parser)
    backup_parser.set_defaults(handler=backup_command)

    restore_parser = commands.add_parser("restore", help="restore a backup's database and packs, migrate and re-index")
    restore_parser.add_argument("path", metavar="PATH", help="the backup file (`-`: standard input)")
    restore_parser.add_argument("--force", action="store_true", help="replace what the database holds (without it, it must be empty)")
    knowledge_option(restore_parser)
    restore_parser.set_defaults(handler=restore_command)

    scenarios_parser = commands.add_parser("scenarios", help="conversation scenarios")
    scenario_commands = scenarios_parser.add_subparsers(dest="scenarios_command", required=True)
    run_parser = scenario_commands.add_parser("run", help="run scenario files against the real stack")
    run_parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders of them")
    run_parser.add_argument("--now", type=_instant, help="clock for scenarios that set no `now`")
    knowledge_option(run_parser)
    run_parser.set_defaults(handler=scenarios_command)

    eval_parser = commands.add_parser("eval", help="grade the answers to labelled questions: correct, abstained or wrong")
    eval_parser.add_argument("paths", nargs="+", metavar="PATH", help="question files (YAML) or folders of them")
    eval_parser.add_argument("--engine", choices=ENGINES, help="the engine that answers (default: TATAME_ENGINE)")
    eval_parser.add_argument("--now", type=_instant, help="run on a fixed clock (ISO 8601 with offset)")
    eval_parser.add_argument("--json", metavar="FILE", help="also write every question's verdict and reply as JSON")
    eval_parser.add_argument("--verbose", "-v", action="store_true", help="show each reply whole")
    knowledge_option(eval_parser)
    eval_parser.set_defaults(handler=eval_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if getattr(args, "knowledge", None):
            settings = attrs.evolve(settings, knowledge_dir=Path(args.knowledge))
        configure_logging(settings.log_level)
        if getattr(args, "sync", False):
            return args.handler(args, settings)
        return asyncio.run(args.handler(args, settings))
    except (SettingsError, InvalidTenantPack, ScenarioError, EvalFileError, UsageError, ValueError) as error:
        print(f"tatame: error: {error}", file=sys.stderr)
        return 2
    except (KnowledgeSyncFailed, BackupFailed) as error:
        print(f"tatame: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
