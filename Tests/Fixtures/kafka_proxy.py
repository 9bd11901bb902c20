"""A Kafka TCP proxy for tests that can hold one client's produce requests: a broker that accepts and
never answers, for that client only.

usage: kafka_proxy.py LISTEN_PORT BROKER_PORT CLIENT_ID HOLD_FILE
Forwards every connection on 127.0.0.1:LISTEN_PORT to 127.0.0.1:BROKER_PORT. While HOLD_FILE exists,
Produce requests (API key 0) whose client id is CLIENT_ID are held back, in order, and forwarded once it
is removed. Start the broker with this proxy as its advertised listener, so that clients stay on it.
Prints "listening" once ready.
"""
import asyncio
import os
import struct
import sys

from kafka_pump import pump_bytes

PRODUCE = 0


async def pump_requests(reader, writer, client_id, hold_file):
    while True:
        header = await reader.readexactly(4)
        (size,) = struct.unpack(">i", header)
        body = await reader.readexactly(size)
        api_key = struct.unpack(">h", body[0:2])[0]
        (id_length,) = struct.unpack(">h", body[8:10])
        sender = body[10 : 10 + id_length].decode("utf-8", "replace") if id_length >= 0 else ""
        while api_key == PRODUCE and sender == client_id and os.path.exists(hold_file):
            await asyncio.sleep(0.05)
        writer.write(header + body)
        await writer.drain()


async def handle(client_reader, client_writer, broker_port, client_id, hold_file):
    try:
        broker_reader, broker_writer = await asyncio.open_connection("127.0.0.1", broker_port)
    except OSError:
        client_writer.close()
        return
    tasks = [
        asyncio.create_task(pump_requests(client_reader, broker_writer, client_id, hold_file)),
        asyncio.create_task(pump_bytes(broker_reader, client_writer)),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        client_writer.close()
        broker_writer.close()


async def main():
    listen_port, broker_port, client_id, hold_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, broker_port, client_id, hold_file), "127.0.0.1", listen_port
    )
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
