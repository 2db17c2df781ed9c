#!/usr/bin/env python3
"""Splits a `perf record -g` profile of `gazette serve` into where a request's
CPU goes (BENCHMARKS.md, session 18). Each sample goes to the first category
one of its frames matches, leaf first, per thread kind (actix worker or sqlx's
SQLite worker). Needs a build with frame pointers and line tables:

    CARGO_PROFILE_RELEASE_DEBUG=line-tables-only RUSTFLAGS="-C force-frame-pointers=yes" \
        cargo build --release -p gazette --target-dir target/prof
    perf record -F 2000 -g -p <server pid> -o perf.data -- sleep 8   # while a load runs
    perf script -i perf.data -F comm,ip,sym > perf.txt
    python3 bench/perf-split.py perf.txt
"""
import collections
import sys

ACTIX = [
    ("cache keys", ["gazette::publish::keys", "gazette::graphql::cache", "KeyHeaders"]),
    ("log line and spans", ["tracing_subscriber", "tracing_core::event", "tracing::span"]),
    ("row mapping (sea-orm, sqlx decode)", ["FromQueryResult", "TryGetable", "sea_orm::executor::query",
                                             "QueryResult", "SqliteRow", "sqlx_sqlite::value", "sqlx_core::row"]),
    ("SQL building", ["sea_query", "StatementBuilder", "Scope::select", "sea_orm::query::"]),
    ("response serialisation", ["serde_json", "Serialize for async_graphql", "server::response::respond"]),
    ("request parse, validation, limits", ["async_graphql_parser", "async_graphql::validation",
                                           "gazette::graphql::limits", "gazette::server::request", "registry::"]),
    ("sqlx channel (async side)", ["flume", "sqlx_sqlite::connection", "sqlx_core::pool"]),
    ("GraphQL execution (async-graphql, resolvers)", ["async_graphql", "gazette::graphql"]),
    ("HTTP (actix)", ["actix_http", "actix_web", "actix_server", "actix_cors", "mio::"]),
    ("runtime park and wake (tokio, epoll, futex)", ["tokio::", "epoll", "futex", "schedule"]),
]
SQLITE_WORKER = [
    ("SQLite engine", ["sqlite3"]),
    ("row channel handoff (flume, futex, wake)", ["flume", "futex", "wake", "eventfd", "syscall", "schedule"]),
]


def main(path):
    counts = collections.Counter()
    per_thread = collections.Counter()
    comm, stack = None, []

    def flush():
        if comm is None:
            return
        kind = "sqlx SQLite worker" if comm.startswith("sqlx") else "actix worker"
        table = SQLITE_WORKER if kind.startswith("sqlx") else ACTIX
        name = next((n for f in stack for n, keys in table if any(k in f for k in keys)), "other")
        counts[(kind, name)] += 1
        per_thread[kind] += 1

    for line in open(path, encoding="utf-8", errors="replace"):
        if line.strip() and not line.startswith("\t"):
            flush()
            comm, stack = line.strip(), []
        elif line.strip():
            stack.append(line.strip().split(" ", 1)[-1])
    flush()
    total = sum(per_thread.values())
    print(f"{total} samples")
    for kind, n in per_thread.most_common():
        print(f"{kind}: {100 * n / total:.1f}%")
        for (k, name), v in counts.most_common():
            if k == kind:
                print(f"  {100 * v / total:5.1f}%  {name}")


if __name__ == "__main__":
    main(sys.argv[1])
