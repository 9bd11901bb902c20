"""A Kafka TCP gateway for tests that does the SASL/SCRAM login itself, in front of a broker that cannot.

usage: kafka_sasl_gateway.py LISTEN_PORT BROKER_PORT USERS_FILE
USERS_FILE has lines "MECHANISM USERNAME PASSWORD" (SCRAM-SHA-256 or SCRAM-SHA-512; a user may have both).
Each connection on 127.0.0.1:LISTEN_PORT gets its own connection to 127.0.0.1:BROKER_PORT. Until the client
has logged in, ApiVersions requests are relayed to the broker (which must advertise SaslHandshake and
SaslAuthenticate), SaslHandshake and SaslAuthenticate are answered here with the server side of SCRAM
(RFC 5802 / RFC 7677), and any other request closes the connection, as Kafka does. A refused login is
answered with SASL_AUTHENTICATION_FAILED (58) and the connection is closed. After a successful login every
byte is forwarded unchanged both ways. Start the broker with this gateway as its advertised listener, so
that clients stay on it. Prints "listening" once ready and "login ok|refused USER MECHANISM" per login.
"""
import asyncio
import base64
import hashlib
import hmac
import os
import secrets
import struct
import sys

from kafka_pump import pump_bytes

SASL_HANDSHAKE, API_VERSIONS, SASL_AUTHENTICATE = 17, 18, 36
UNSUPPORTED_SASL_MECHANISM, SASL_AUTHENTICATION_FAILED = 33, 58
MECHANISMS = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}
ITERATIONS = 4096


class AuthenticationFailed(Exception):
    pass


def load_users(path):
    """{(mechanism, username): password} from the users file."""
    users = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                mechanism, username, password = line.split(maxsplit=2)
                users[(mechanism, username)] = password.rstrip("\r\n")
    return users


class ScramServer:
    """The server side of one SCRAM exchange: step() takes each client message and returns the answer."""

    def __init__(self, mechanism, users):
        self.mechanism, self.users, self.hash = mechanism, users, MECHANISMS[mechanism]
        self.user, self.done, self.client_first = "?", False, None

    def hmac(self, key, message):
        return hmac.new(key, message, self.hash).digest()

    def step(self, message):
        try:
            text = message.decode("utf-8")
            return self.server_first(text) if self.client_first is None else self.server_final(text)
        except (ValueError, KeyError, IndexError) as error:
            raise AuthenticationFailed() from error

    def server_first(self, client_first):
        flag, _authzid, bare = client_first.split(",", 2)  # gs2 header "n,," then "n=user,r=cnonce"
        if flag not in ("n", "y"):
            raise AuthenticationFailed()  # channel binding is not offered
        attributes = dict(part.split("=", 1) for part in bare.split(","))
        self.user = attributes["n"].replace("=2C", ",").replace("=3D", "=")
        password = self.users.get((self.mechanism, self.user))
        if password is None:
            raise AuthenticationFailed()
        salt = os.urandom(16)
        self.salted_password = hashlib.pbkdf2_hmac(self.hash, password.encode("utf-8"), salt, ITERATIONS)
        self.gs2_header = client_first[: len(client_first) - len(bare)]
        self.nonce = attributes["r"] + secrets.token_urlsafe(24)
        self.client_first = bare
        self.server_first_message = f"r={self.nonce},s={base64.b64encode(salt).decode()},i={ITERATIONS}"
        return self.server_first_message.encode("utf-8")

    def server_final(self, client_final):
        if self.done:
            raise AuthenticationFailed()
        without_proof, _, proof = client_final.rpartition(",p=")
        attributes = dict(part.split("=", 1) for part in without_proof.split(","))
        if attributes["r"] != self.nonce or base64.b64decode(attributes["c"]) != self.gs2_header.encode("utf-8"):
            raise AuthenticationFailed()
        auth_message = ",".join((self.client_first, self.server_first_message, without_proof)).encode("utf-8")
        stored_key = hashlib.new(self.hash, self.hmac(self.salted_password, b"Client Key")).digest()
        client_signature = self.hmac(stored_key, auth_message)
        client_key = bytes(a ^ b for a, b in zip(base64.b64decode(proof, validate=True), client_signature))
        if len(client_key) != len(stored_key) or not hmac.compare_digest(
            hashlib.new(self.hash, client_key).digest(), stored_key
        ):
            raise AuthenticationFailed()
        self.done = True
        server_signature = self.hmac(self.hmac(self.salted_password, b"Server Key"), auth_message)
        return b"v=" + base64.b64encode(server_signature)


def read_uvarint(data, offset):
    value = shift = 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, offset


def uvarint(value):
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes(out + bytes([value]))


def kafka_string(text):
    data = text.encode("utf-8")
    return struct.pack(">h", len(data)) + data


async def read_frame(reader):
    (size,) = struct.unpack(">i", await reader.readexactly(4))
    return await reader.readexactly(size)


def send_frame(writer, payload):
    writer.write(struct.pack(">i", len(payload)) + payload)


def auth_bytes(body, offset, flexible):
    """The auth_bytes of a SaslAuthenticate request whose header ends before offset."""
    if flexible:  # request header v2: skip its tagged fields, then compact bytes
        count, offset = read_uvarint(body, offset)
        for _ in range(count):
            _tag, offset = read_uvarint(body, offset)
            size, offset = read_uvarint(body, offset)
            offset += size
        length, offset = read_uvarint(body, offset)
        return body[offset : offset + length - 1]
    (length,) = struct.unpack_from(">i", body, offset)
    return body[offset + 4 : offset + 4 + length]


def authenticate_response(correlation_id, version, error, message, token):
    if version >= 2:  # flexible: response header v1, compact string and bytes, tagged fields
        text = b"\x00" if message is None else uvarint(len(message.encode()) + 1) + message.encode()
        return (struct.pack(">ib", correlation_id, 0) + struct.pack(">h", error) + text
                + uvarint(len(token) + 1) + token + struct.pack(">q", 0) + b"\x00")
    text = struct.pack(">h", -1) if message is None else kafka_string(message)
    payload = struct.pack(">ih", correlation_id, error) + text + struct.pack(">i", len(token)) + token
    return payload + (struct.pack(">q", 0) if version >= 1 else b"")


def log_login(scram, ok):
    print(f"login {'ok' if ok else 'refused'} {scram.user} {scram.mechanism}", flush=True)


async def authenticate(client_reader, client_writer, broker_reader, broker_writer, users):
    """Runs the pre-login part of a connection; True once the client has logged in."""
    scram = None
    while True:
        body = await read_frame(client_reader)
        api_key, version, correlation_id, id_length = struct.unpack_from(">hhih", body)
        offset = 10 + max(id_length, 0)
        if api_key == API_VERSIONS:
            send_frame(broker_writer, body)
            await broker_writer.drain()
            send_frame(client_writer, await read_frame(broker_reader))
        elif api_key == SASL_HANDSHAKE and scram is None:
            (length,) = struct.unpack_from(">h", body, offset)
            mechanism = body[offset + 2 : offset + 2 + length].decode("utf-8", "replace")
            error = 0 if mechanism in MECHANISMS else UNSUPPORTED_SASL_MECHANISM
            enabled = struct.pack(">i", len(MECHANISMS)) + b"".join(kafka_string(name) for name in MECHANISMS)
            send_frame(client_writer, struct.pack(">ih", correlation_id, error) + enabled)
            if error:
                return False
            scram = ScramServer(mechanism, users)
            if version == 0:  # the SASL tokens follow as bare size-prefixed frames, without Kafka headers
                await client_writer.drain()
                while not scram.done:
                    token = await read_frame(client_reader)
                    try:
                        send_frame(client_writer, scram.step(token))
                    except AuthenticationFailed:
                        log_login(scram, False)
                        return False
                log_login(scram, True)
                return True
        elif api_key == SASL_AUTHENTICATE and scram is not None:
            try:
                token, error, message = scram.step(auth_bytes(body, offset, version >= 2)), 0, None
            except AuthenticationFailed:
                token, error = b"", SASL_AUTHENTICATION_FAILED
                message = ("Authentication failed during authentication due to invalid credentials "
                           f"with SASL mechanism {scram.mechanism}")
            send_frame(client_writer, authenticate_response(correlation_id, version, error, message, token))
            if error or scram.done:
                log_login(scram, not error)
                return not error
        else:
            return False
        await client_writer.drain()


async def handle(client_reader, client_writer, broker_port, users):
    try:
        broker_reader, broker_writer = await asyncio.open_connection("127.0.0.1", broker_port)
    except OSError:
        client_writer.close()
        return
    try:
        if await authenticate(client_reader, client_writer, broker_reader, broker_writer, users):
            await client_writer.drain()
            tasks = [asyncio.create_task(pump_bytes(client_reader, broker_writer)),
                     asyncio.create_task(pump_bytes(broker_reader, client_writer))]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
        else:
            await client_writer.drain()  # a refusal is sent before the connection closes
    except (OSError, asyncio.IncompleteReadError, struct.error):
        pass
    finally:
        client_writer.close()
        broker_writer.close()


async def main():
    listen_port, broker_port, users = int(sys.argv[1]), int(sys.argv[2]), load_users(sys.argv[3])
    server = await asyncio.start_server(lambda r, w: handle(r, w, broker_port, users), "127.0.0.1", listen_port)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
