"""Produces messages with confluent-kafka: a real Kafka client that FoodCount did not write.

usage: produce.py BROKER TOPIC FILE
FILE holds one JSON object per line:
  {"value": "text"}            UTF-8 value
  {"value_b64": "..."}         raw bytes value
  {"value": null}              tombstone (null value)
  optional "key" (text), "partition" (int), "headers" ({"name": "text"})
Prints "delivered N" and exits 1 if any message was not acknowledged. KAFKA_CLIENT_CONFIG (JSON) adds client
settings, such as TLS or SASL.
"""
import base64
import json
import os
import sys

from confluent_kafka import Producer


def main() -> int:
    broker, topic, path = sys.argv[1:4]
    config = {"bootstrap.servers": broker, "enable.idempotence": True, "linger.ms": 5}
    config.update(json.loads(os.environ.get("KAFKA_CLIENT_CONFIG", "{}")))  # TLS or SASL settings
    producer = Producer(config)
    failures = []
    delivered = [0]

    def on_delivery(err, _msg):
        if err is not None:
            failures.append(str(err))
        else:
            delivered[0] += 1

    with open(path, encoding="utf-8") as lines:
        for line in lines:
            spec = json.loads(line)
            if "value_b64" in spec:
                value = base64.b64decode(spec["value_b64"])
            elif spec.get("value") is None:
                value = None
            else:
                value = spec["value"].encode("utf-8")
            kwargs = {"value": value, "on_delivery": on_delivery}
            if "key" in spec:
                kwargs["key"] = spec["key"].encode("utf-8")
            if "partition" in spec:
                kwargs["partition"] = spec["partition"]
            if "headers" in spec:
                kwargs["headers"] = [(k, v.encode("utf-8")) for k, v in spec["headers"].items()]
            while True:
                try:
                    producer.produce(topic, **kwargs)
                    break
                except BufferError:
                    producer.poll(0.1)
            producer.poll(0)
    remaining = producer.flush(60)
    print(f"delivered {delivered[0]}")
    if failures or remaining:
        print(f"failures {len(failures)} remaining {remaining}: {failures[:5]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
