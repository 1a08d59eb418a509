#!/usr/bin/python3
"""N sessions of the peer a user would otherwise write (event-driven paho-mqtt, Debian's
python3-paho-mqtt), in one process, each client on paho's own network thread.
Exits 0 only when every session got `Well done my IoT!`.
Usage: python_fleet.py PORT USER_ID_PREFIX N [TIMEOUT_S]"""
import socket
import sys
import threading
import time

import paho.mqtt.client as mqtt

TABLE = {"CMD1": "Apple", "CMD2": "Cat", "CMD3": "Dog", "CMD4": "Rat",
         "CMD5": "Boy", "CMD6": "Girl", "CMD7": "Toy"}


class Session:
    def __init__(self, port, user_id, done):
        self.user_id, self.session, self.passed, self.done = user_id, None, False, done
        self.client = mqtt.Client(client_id=f"python-{user_id}", clean_session=True)
        self.client.on_connect = self.on_connect
        self.client.on_subscribe = self.on_subscribe
        self.client.on_message = self.on_message
        self.client.connect_async("127.0.0.1", port, 60)
        self.client.loop_start()

    def on_connect(self, client, userdata, flags, rc):
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.subscribe(f"{self.user_id}/UUID", qos=2)

    def on_subscribe(self, client, userdata, mid, granted_qos):
        if self.session is None:
            client.publish("login", self.user_id, qos=2)

    def on_message(self, client, userdata, message):
        payload = message.payload.decode("utf-8", "replace")
        if self.session is None:
            self.session = payload
            client.subscribe(payload, qos=2)
        elif payload == "Well done my IoT!":
            self.passed = True
            client.disconnect()
            self.done.release()
        elif payload in TABLE:
            client.publish(f"{self.session}/{payload}", TABLE[payload], qos=message.qos)


port, prefix, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 120
done = threading.Semaphore(0)
sessions = [Session(port, f"{prefix}{i}", done) for i in range(count)]
deadline = time.monotonic() + timeout
for _ in sessions:
    if not done.acquire(timeout=max(0.0, deadline - time.monotonic())):
        break
for session in sessions:
    session.client.loop_stop()
passed = sum(s.passed for s in sessions)
print(f"python fleet: {passed} of {count} sessions passed", file=sys.stderr)
sys.exit(0 if passed == count else 1)
