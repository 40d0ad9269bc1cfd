"""Subprocess entry point: run ArcadeDB with its Bolt plugin on loopback until SIGTERM.

Started by :class:`graph.servers.ArcadeDBServer`; the root password arrives in the
environment so that it never shows in the process list.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from graph.servers import PASSWORD_ENV


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", required=True)
    parser.add_argument("--bolt-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--database", default="ckg")
    args = parser.parse_args()

    import arcadedb_embedded

    server = arcadedb_embedded.create_server(
        root_path=args.root,
        root_password=os.environ[PASSWORD_ENV],
        config={
            "host": "127.0.0.1",
            "http_port": args.http_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "bolt_port": args.bolt_port,
        },
    )
    server.start()
    server.create_database(args.database)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("READY", flush=True)
    stop.wait()
    server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
