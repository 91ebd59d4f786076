#!/usr/bin/env python3
"""Push a person's footprint to twinlake's Kafka topic.

Each message is one file envelope (schemas/file-envelope.schema.json): whose
footprint it is, where it came from, and the bytes themselves in base64.
Messages are keyed "<tenant>/<user>" so one person's stream stays in one
partition, in order; twinlake's pipeline workers (`twinlake pipeline run
--follow` with TWINLAKE_BUS_URL=kafka://...) consume them.

    pip install confluent-kafka
    python3 docs/producer.py --bootstrap 127.0.0.1:9092 --tenant acme --user alice \
        notes.md export/result.json
    python3 docs/producer.py --bootstrap 127.0.0.1:9092 --tenant acme --user alice \
        --chat team-trip --author Alice "I'm vegetarian, no seafood please"

Files over --max-bytes (default 900 kB, under Kafka's 1 MB message limit)
are refused here: upload them through the API instead, which keeps the bytes
in the lake and sends their lake key.
"""

import argparse
import base64
import json
import os
import sys
from datetime import datetime, timezone

from confluent_kafka import Producer

TOPIC = "footprint.files"


def envelope(tenant, user, uri, content, **extra):
    """One file envelope: the bytes travel inline, base64-encoded."""
    env = {
        "scope": {"tenant": tenant, "user": user},
        "uri": uri,
        "content_base64": base64.b64encode(content).decode("ascii"),
        "size": len(content),
    }
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def file_envelope(tenant, user, path, fmt):
    with open(path, "rb") as f:
        content = f.read()
    modified_us = int(os.stat(path).st_mtime * 1_000_000)
    return envelope(tenant, user, os.path.abspath(path), content, modified_us=modified_us, format=fmt)


def chat_envelope(tenant, user, conversation, author, text):
    """A chat message is one line of the generic JSONL episode format."""
    now = datetime.now(timezone.utc)
    line = {
        "text": text,
        "author": author,
        "is_self": True,
        "conversation": conversation,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
    }
    uri = f"chat:{conversation}/{int(now.timestamp() * 1_000_000)}"
    return envelope(tenant, user, uri, (json.dumps(line) + "\n").encode(), format="jsonl")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap", required=True, help="host:port[,host:port]")
    p.add_argument("--tenant", default="default")
    p.add_argument("--user", required=True)
    p.add_argument("--format", help="force a format instead of detecting one")
    p.add_argument("--chat", metavar="CONVERSATION", help="send the arguments as chat messages")
    p.add_argument("--author", help="the chat message's author (with --chat)")
    p.add_argument("--max-bytes", type=int, default=900_000)
    p.add_argument("items", nargs="+", help="files, or with --chat the messages")
    args = p.parse_args()

    if args.chat:
        envelopes = [chat_envelope(args.tenant, args.user, args.chat, args.author or args.user, t) for t in args.items]
    else:
        envelopes = []
        for path in args.items:
            size = os.path.getsize(path)
            if size > args.max_bytes:
                sys.exit(f"{path}: {size} bytes is over --max-bytes {args.max_bytes}; upload it through the API")
            envelopes.append(file_envelope(args.tenant, args.user, path, args.format))

    # Idempotent and acks=all: a retried send is never stored twice, and a
    # delivered message survives the loss of a broker.
    # murmur2_random is Java's partitioner, the one twinlake's own producers use,
    # so a person's messages land in the same partition whoever sends them.
    producer = Producer(
        {
            "bootstrap.servers": args.bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "partitioner": "murmur2_random",
        }
    )
    failed = []

    def delivered(err, msg):
        if err is not None:
            failed.append(f"{msg.key().decode()}: {err}")

    key = f"{args.tenant}/{args.user}".encode()
    for env in envelopes:
        producer.produce(TOPIC, key=key, value=json.dumps(env).encode(), on_delivery=delivered)
        producer.poll(0)
    left = producer.flush(30)
    if failed or left:
        sys.exit(f"not delivered: {failed or f'{left} messages still queued'}")
    print(f"sent {len(envelopes)} envelopes to {TOPIC}")


if __name__ == "__main__":
    main()
