"""What the Kafka test proxies share: copying a connection's bytes one way until it closes."""


async def pump_bytes(reader, writer):
    """Copies bytes from reader to writer until the reader's side closes."""
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data)
        await writer.drain()
