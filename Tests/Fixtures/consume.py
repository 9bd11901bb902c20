"""Reads a whole topic with confluent-kafka and prints one JSON object per message.

usage: consume.py BROKER TOPIC IDLE_SECONDS
Stops after IDLE_SECONDS without a new message. Each line:
  {"partition": 0, "offset": 3, "key_b64": ..., "value_b64": ... or null, "headers": {"name": "text"}}
"""
import base64
import json
import os
import sys
import time
import uuid

from confluent_kafka import Consumer


def b64(data):
    return None if data is None else base64.b64encode(data).decode("ascii")


def main() -> int:
    broker, topic, idle = sys.argv[1], sys.argv[2], float(sys.argv[3])
    config = {
        "bootstrap.servers": broker, "group.id": f"reader-{uuid.uuid4()}", "auto.offset.reset": "earliest",
        "enable.auto.commit": False, "session.timeout.ms": 6000,
    }
    config.update(json.loads(os.environ.get("KAFKA_CLIENT_CONFIG", "{}")))  # TLS or SASL settings
    consumer = Consumer(config)
    consumer.subscribe([topic])
    last = time.time()
    while time.time() - last < idle:
        for message in consumer.consume(500, 0.5):
            if message.error():
                continue
            last = time.time()
            headers = {name: (value or b"").decode("utf-8", "replace") for name, value in (message.headers() or [])}
            print(json.dumps({
                "partition": message.partition(), "offset": message.offset(), "key_b64": b64(message.key()),
                "value_b64": b64(message.value()), "headers": headers,
            }))
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
