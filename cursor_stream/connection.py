"""Django ``DATABASES`` settings -> asyncpg connection.

This is the only module that knows libpq option names. What libpq would get comes from the
alias's ``DatabaseWrapper.get_connection_params()``, so backends that subclass Django's and put
credentials there (IAM tokens, password providers) are honoured. The mapping is pure
(:func:`params_from_settings_dict`) so that it can be tested key by key; :func:`connect` opens the
connection and sets the session up the way Django's own PostgreSQL backend does (time zone, role).
"""

from __future__ import annotations

import configparser
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import asyncpg

from .conf import get_settings
from .exceptions import ConfigurationError, ConnectError
from .parity import connection_time_zone
from .sqltext import quote_ident
from .testing import check_test_transaction

# OPTIONS keys that only mean something to Django or psycopg and do not change which server,
# database or role we talk to. Django's own isolation level is replaced by the export's transaction.
DJANGO_ONLY_OPTIONS = frozenset({"isolation_level", "pool", "server_side_binding"})

# Entries Django's get_connection_params() adds for the driver itself, never for libpq: asyncpg
# always speaks UTF-8 and has its own codecs and statement cache (CONNECT_KWARGS tunes it).
DRIVER_ONLY_PARAMS = frozenset(
    {"client_encoding", "cursor_factory", "context", "prepare_threshold"}
)

# libpq options that only tune the transport (TCP keepalives and timeouts, SNI, compression): they
# do not change which server, database, role or data an export reads, and asyncpg has no
# equivalent, so they are left out rather than refused (production settings often carry them).
TRANSPORT_ONLY_OPTIONS = frozenset(
    {
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "sslcompression",
        "sslsni",
    }
)

# The libpq keywords Django builds from NAME, USER, PASSWORD, HOST and PORT.
_LOGIN_PARAMS = frozenset({"dbname", "user", "password", "host", "port"})

# libpq options that asyncpg understands through the DSN query string (connect_utils.py).
_DSN_OPTIONS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "sslnegotiation",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "service",
    "krbsrvname",
    "gsslib",
)

SUPPORTED_OPTIONS = frozenset(
    {
        *_DSN_OPTIONS,
        "sslpassword",
        "passfile",
        "options",
        "application_name",
        "target_session_attrs",
        "connect_timeout",
        "assume_role",
    }
)

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

#: PostgreSQL keeps the first NAMEDATALEN - 1 bytes of ``application_name`` (63 by default).
APPLICATION_NAME_BYTES = 63

#: ``application_name`` of labelled connections when the project sets none.
DEFAULT_APPLICATION_NAME = "django"


def labelled_application_name(base: str, label: str) -> str:
    """Return ``"<base> <label>"`` within PostgreSQL's 63 bytes, shortening ``base`` first.

    The server replaces characters other than printable ASCII (with ``?`` before PostgreSQL 16,
    with longer ``\\xNN`` escapes since), which could push the label past the limit: they are
    replaced by ``?`` here, so what ``pg_stat_activity`` shows is exactly this string.
    """

    def ascii_only(text: str) -> str:
        return "".join(c if " " <= c <= "~" else "?" for c in text)

    label = ascii_only(label)[:APPLICATION_NAME_BYTES]
    room = APPLICATION_NAME_BYTES - len(label) - 1
    head = ascii_only(base)[: max(room, 0)].rstrip()
    return f"{head} {label}" if head else label


@dataclass(frozen=True)
class ConnectParams:
    """Everything needed to open an asyncpg connection for one Django database alias.

    The passwords (login and ``sslpassword``) are kept out of ``repr()`` (asyncpg's own
    parameter objects show them).
    """

    alias: str
    database: str | None
    user: str | None
    password: str | None = field(default=None, repr=False)
    host: tuple[str, ...] | None = None
    port: tuple[int, ...] | None = None
    dsn_options: Mapping[str, str] = field(default_factory=dict)
    passfile: str | None = None
    server_settings: Mapping[str, str] = field(default_factory=dict)
    target_session_attrs: str | None = None
    timeout: float | None = None
    assume_role: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)
    sslpassword: str | None = field(default=None, repr=False)
    #: Appended to ``application_name`` (see :meth:`labelled`).
    application_label: str = ""

    def labelled(self, label: str) -> ConnectParams:
        """Return these parameters with ``label`` appended to the session's ``application_name``.

        The project's own ``application_name`` (``OPTIONS``, ``options`` or ``CONNECT_KWARGS``;
        ``django`` when it sets none) is kept in front, so that ``pg_stat_activity`` tells an
        export's session from the project's web requests and from other exports.
        """
        return replace(self, application_label=label)

    @property
    def dsn(self) -> str:
        """Return a DSN carrying only the options asyncpg reads from a DSN.

        It never holds the login password; it does hold ``sslpassword`` (the client key's
        passphrase), which asyncpg reads only from a DSN.
        """
        options = dict(self.dsn_options)
        if self.sslpassword:
            options["sslpassword"] = self.sslpassword
        query = urllib.parse.urlencode(options)
        return "postgresql://" + (f"?{query}" if query else "")

    def connect_kwargs(self) -> dict[str, Any]:
        """Return the keyword arguments for :func:`asyncpg.connect` (includes the password)."""
        kwargs: dict[str, Any] = {
            "dsn": self.dsn,
            "server_settings": dict(self.server_settings),
        }
        if self.database:
            kwargs["database"] = self.database
        if self.user:
            kwargs["user"] = self.user
        if self.password:
            kwargs["password"] = self.password
        if self.host:
            kwargs["host"] = list(self.host) if len(self.host) > 1 else self.host[0]
        if self.port:
            kwargs["port"] = list(self.port) if len(self.port) > 1 else self.port[0]
        if self.passfile:
            kwargs["passfile"] = self.passfile
        if self.target_session_attrs:
            kwargs["target_session_attrs"] = self.target_session_attrs
        if self.timeout is not None:
            kwargs["timeout"] = self.timeout
        extra = dict(self.extra)
        # CONNECT_KWARGS["server_settings"] adds to the settings derived from DATABASES (time
        # zone, application_name, options) rather than replacing them.
        kwargs["server_settings"].update(extra.pop("server_settings", None) or {})
        kwargs.update(extra)
        if self.application_label:
            session = kwargs["server_settings"]
            session["application_name"] = labelled_application_name(
                session.get("application_name") or DEFAULT_APPLICATION_NAME,
                self.application_label,
            )
        return kwargs

    def address(self) -> str:
        """Return where the connection goes, for messages: ``host:port`` or the socket directory."""
        hosts = self.host or ("default socket",)
        ports = self.port or (5432,)
        if len(ports) == 1:
            ports = ports * len(hosts)
        parts = []
        for host, port in zip(hosts, ports, strict=False):
            parts.append(f"{host} (port {port})" if host.startswith("/") else f"{host}:{port}")
        service = self.dsn_options.get("service")
        where = ", ".join(parts)
        return f"service {service!r}" + (f" at {where}" if self.host else "") if service else where


def _split_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value]
    return [part.strip() for part in str(value).split(",")]


def split_options_words(value: str) -> list[str]:
    """Split libpq's ``options`` into words the way the server does (``pg_split_opts``).

    Words are separated by whitespace; a backslash makes the next character literal (``\\ ``
    for a space, ``\\\\`` for a backslash). Quotes are not special: they reach the setting as
    written, e.g. ``-c search_path="my\\ schema",public``.
    """
    words: list[str] = []
    word: list[str] = []
    in_word = escaped = False
    for char in value:
        if escaped:
            word.append(char)
            escaped = False
        elif char == "\\":
            escaped = in_word = True
        elif char.isspace():
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        else:
            word.append(char)
            in_word = True
    if in_word:
        words.append("".join(word))
    return words


def parse_options_string(value: str, *, alias: str) -> dict[str, str]:
    """Turn libpq's ``options`` (``-c search_path=x -c work_mem=64MB``) into server settings."""
    settings: dict[str, str] = {}
    # Not shlex: the server's splitting knows no quotes, so for '-c search_path="my\\ schema",x'
    # shlex would drop the quotes and keep the backslash, unlike what the server gets from libpq.
    words = split_options_words(value)
    index = 0
    while index < len(words):
        word = words[index]
        if word == "-c" and index + 1 < len(words):
            assignment = words[index + 1]
            index += 2
        elif (word.startswith("-c") and len(word) > 2) or word.startswith("--"):
            assignment = word[2:]  # '-cname=value' or '--name=value'
            index += 1
        else:
            raise ConfigurationError(
                f"DATABASES[{alias!r}]['OPTIONS']['options'] contains {word!r}, which is not a "
                "'-c name=value' setting. Use the form '-c name=value -c name2=value2'."
            )
        name, sep, setting = assignment.partition("=")
        if not sep or not name:
            raise ConfigurationError(
                f"DATABASES[{alias!r}]['OPTIONS']['options'] contains {assignment!r}, which is not "
                "a name=value setting."
            )
        settings[name.replace("-", "_")] = setting
    return settings


def django_connection_params(settings_dict: Mapping[str, Any]) -> dict[str, Any]:
    """Return the libpq keywords Django's backend builds from one ``DATABASES`` entry (pure).

    The same as ``DatabaseWrapper.get_connection_params()`` (Django 5.2 to 6.1) without its
    checks and its psycopg-only entries, for mapping a plain settings dict. :func:`connect_params`
    calls the alias's real method instead, so that a backend overriding it is honoured.
    """
    options = dict(settings_dict.get("OPTIONS") or {})
    name = settings_dict.get("NAME")
    if name:
        params = {"dbname": name, **options}
    elif name is None:
        # NAME None means the 'postgres' maintenance database; Django drops a service then.
        options.pop("service", None)
        params = {"dbname": "postgres", **options}
    else:
        # An empty NAME leaves the database to OPTIONS['service'].
        params = options
    # Django applies these itself instead of passing them to the driver.
    for key in ("assume_role", *DJANGO_ONLY_OPTIONS):
        params.pop(key, None)
    for setting in ("USER", "PASSWORD", "HOST", "PORT"):
        if settings_dict.get(setting):
            params[setting.lower()] = settings_dict[setting]
    return params


def params_from_settings_dict(
    settings_dict: Mapping[str, Any],
    *,
    alias: str,
    connection_params: Mapping[str, Any] | None = None,
    timezone_name: str | None = None,
    extra: Mapping[str, Any] | None = None,
    ignored_options: frozenset[str] = frozenset(),
) -> ConnectParams:
    """Map one ``DATABASES`` entry to :class:`ConnectParams` (pure: no I/O, no Django state).

    ``connection_params`` is what the alias's ``DatabaseWrapper.get_connection_params()``
    returned: the libpq keywords (``dbname``, ``user``, ``password``, ``host``, ``port`` and the
    ``OPTIONS`` Django passes on) and psycopg-only entries, which are ignored. Everything libpq
    would get is read from it; without it, it is derived from ``settings_dict`` as Django does
    (:func:`django_connection_params`). ``settings_dict`` still gives what Django strips before
    the driver sees it: ``OPTIONS['assume_role']``.
    """
    if connection_params is None:
        connection_params = django_connection_params(settings_dict)
    params = dict(connection_params)
    known = (
        _LOGIN_PARAMS
        | SUPPORTED_OPTIONS
        | DJANGO_ONLY_OPTIONS
        | DRIVER_ONLY_PARAMS
        | TRANSPORT_ONLY_OPTIONS
    )
    unknown = sorted(set(params) - known - ignored_options)
    if unknown:
        key = unknown[0]
        if key in (settings_dict.get("OPTIONS") or {}):
            where = f"DATABASES[{alias!r}]['OPTIONS'] key {key!r} is"
        else:
            # Added by a backend subclassing Django's: name where it came from.
            where = (
                f"The connection parameter {key!r} that {settings_dict.get('ENGINE')}'s "
                f"get_connection_params() returns for DATABASES[{alias!r}] is"
            )
        raise ConfigurationError(
            f"{where} not supported by cursor_stream's asyncpg connections. Remove it, or list "
            "it in CURSOR_STREAM['IGNORED_OPTIONS'] to connect without it."
        )

    dsn_options: dict[str, str] = {}
    for key in _DSN_OPTIONS:
        if params.get(key) not in (None, ""):
            dsn_options[key] = str(params[key])
    sslmode = dsn_options.get("sslmode")
    if sslmode is not None and sslmode not in SSL_MODES:
        raise ConfigurationError(
            f"DATABASES[{alias!r}]['OPTIONS']['sslmode'] is {sslmode!r}; it must be one of "
            f"{', '.join(SSL_MODES)}."
        )

    hosts = _split_list(params.get("host"))
    ports_raw = _split_list(params.get("port"))
    try:
        ports = [int(p) for p in ports_raw]
    except ValueError:
        raise ConfigurationError(
            f"DATABASES[{alias!r}]['PORT'] must be a port number or a comma-separated list of "
            f"them, got {params.get('port')!r}."
        ) from None
    if hosts and ports and len(ports) not in (1, len(hosts)):
        raise ConfigurationError(
            f"DATABASES[{alias!r}] lists {len(hosts)} hosts but {len(ports)} ports; give one port "
            "or one per host."
        )

    server_settings: dict[str, str] = {}
    if params.get("options"):
        server_settings.update(parse_options_string(str(params["options"]), alias=alias))
    if params.get("application_name"):
        server_settings["application_name"] = str(params["application_name"])
    if timezone_name:
        # Django's backend sets the session time zone on every new connection
        # (DatabaseWrapper.ensure_timezone); do the same so values match the ORM's.
        server_settings["TimeZone"] = timezone_name

    timeout: float | None = None
    if params.get("connect_timeout") not in (None, ""):
        try:
            timeout = float(params["connect_timeout"])
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"DATABASES[{alias!r}]['OPTIONS']['connect_timeout'] must be a number of seconds, "
                f"got {params['connect_timeout']!r}."
            ) from None
        # libpq treats 0 (and negative values) as "wait forever".
        if timeout <= 0:
            timeout = None

    options = settings_dict.get("OPTIONS") or {}
    return ConnectParams(
        alias=alias,
        database=params.get("dbname") or None,
        user=params.get("user") or None,
        password=params.get("password") or None,
        host=tuple(hosts) or None,
        port=tuple(ports) or None,
        dsn_options=MappingProxyType(dsn_options),
        passfile=str(params["passfile"]) if params.get("passfile") else None,
        server_settings=MappingProxyType(server_settings),
        target_session_attrs=params.get("target_session_attrs") or None,
        timeout=timeout,
        assume_role=options.get("assume_role") or None,
        extra=MappingProxyType(dict(extra or {})),
        sslpassword=str(params["sslpassword"]) if params.get("sslpassword") else None,
    )


def resolve_alias(using: str | None) -> str:
    """Return the database alias to use: the given one or ``CURSOR_STREAM['DATABASE']``."""
    from django.db import connections

    alias = using or get_settings().database
    if alias not in connections.settings:
        known = ", ".join(repr(a) for a in connections.settings)
        raise ConfigurationError(
            f"The database alias {alias!r} is not in DATABASES; the configured aliases are {known}."
        )
    vendor = connections[alias].vendor
    if vendor != "postgresql":
        raise ConfigurationError(
            f"The database alias {alias!r} uses the {vendor!r} backend; cursor_stream streams "
            "from PostgreSQL only. Use an alias whose ENGINE is django.db.backends.postgresql."
        )
    return alias


def connect_params(using: str | None = None) -> ConnectParams:
    """Return the :class:`ConnectParams` of a Django database alias (call from sync code).

    Calls the alias's ``get_connection_params()`` each time, as Django does for each new
    connection, so a backend handing out short-lived credentials gives fresh ones. Raises
    :class:`~cursor_stream.testing.UncommittedTestDataError` inside a ``TestCase`` that wrote
    rows the new connection could not see.
    """
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connections

    alias = resolve_alias(using)
    # Rows a TestCase wrote are invisible to the export's own connection: say so, not 0 rows.
    check_test_transaction(alias)
    wrapper = connections[alias]
    try:
        connection_params = wrapper.get_connection_params()
    except ImproperlyConfigured as exc:
        raise ConfigurationError(f"DATABASES[{alias!r}] is misconfigured: {exc}") from None
    except Exception as exc:
        # A backend's own code (fetching a token) failed: one line, as for a failed connection.
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ConnectError(
            f"Could not get the connection parameters of DATABASES alias {alias!r} from "
            f"{wrapper.settings_dict.get('ENGINE')}: {type(exc).__name__}"
            + (f": {detail}" if detail else "")
        ) from exc
    conf = get_settings()
    return params_from_settings_dict(
        wrapper.settings_dict,
        alias=alias,
        connection_params=connection_params,
        timezone_name=connection_time_zone(wrapper.settings_dict)[1],
        extra=conf.connect_kwargs,
        ignored_options=conf.ignored_options,
    )


def describe_connect_error(params: ConnectParams, exc: BaseException) -> str:
    """Return a one-line message for a failed connection, naming where but never the password."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for secret in (params.password, params.sslpassword):
        if secret:
            detail = detail.replace(secret, "********")
    if "unsupported startup parameter" in detail:
        # PgBouncer accepts only a few session settings in the startup packet.
        detail += (
            ". A connection pooler (PgBouncer) refused a session setting from "
            "OPTIONS['options']: set it per role instead (ALTER ROLE ... SET name = value), "
            "or connect cursor_stream to PostgreSQL directly with another alias"
        )
    who = f" as user {params.user!r}" if params.user else ""
    db = f" database {params.database!r}" if params.database else ""
    return (
        f"Could not connect to PostgreSQL{db} at {params.address()}{who} "
        f"(DATABASES alias {params.alias!r}): {detail}"
    )


async def connect(params: ConnectParams, *, set_role: bool = True) -> asyncpg.Connection:
    """Open an asyncpg connection for ``params`` and set the session up like Django does.

    With ``set_role=False`` the caller applies ``assume_role`` itself: exports do it with
    ``SET LOCAL ROLE`` inside their transaction, which stays correct behind a pooler in
    transaction mode (a session-level ``SET ROLE`` would land on whichever server connection
    the pooler picked, and stay there for the next client).
    """
    try:
        conn = await asyncpg.connect(**params.connect_kwargs())
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise ConnectError(describe_connect_error(params, exc)) from None
    except configparser.Error as exc:
        # asyncpg reads service files with configparser's interpolation, so a '%' in one
        # fails here; the error text quotes the offending value, which may be a password.
        raise ConnectError(
            describe_connect_error(
                params,
                RuntimeError(
                    f"asyncpg could not read the connection service file ({type(exc).__name__}): "
                    "it cannot read a '%' in a value; keep such a password in a passfile"
                ),
            )
        ) from None
    try:
        if params.assume_role and set_role:
            # Same statement as Django's DatabaseWrapper.init_connection_state().
            await conn.execute(f"SET ROLE {quote_ident(params.assume_role)}")
    except BaseException as exc:
        conn.terminate()
        if isinstance(exc, asyncpg.PostgresError):
            raise ConnectError(describe_connect_error(params, exc)) from None
        raise
    return conn
