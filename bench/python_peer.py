#!/usr/bin/python3
"""The peer a user would otherwise pick: an event-driven paho-mqtt client (Debian's
python3-paho-mqtt), written the idiomatic way, answering at the delivered QoS.
Usage: python_peer.py PORT USER_ID [USERNAME PASSWORD_FILE]
(with a roster broker, docs/isolation.md: the account, and a file whose first line is its
password); PEER_TRANSPORT=websockets in the environment: MQTT over WebSockets to PORT"""
import os
import socket
import sys

import paho.mqtt.client as mqtt

TABLE = {"CMD1": "Apple", "CMD2": "Cat", "CMD3": "Dog", "CMD4": "Rat",
         "CMD5": "Boy", "CMD6": "Girl", "CMD7": "Toy"}

port, user_id = int(sys.argv[1]), sys.argv[2]
username, password = None, None
if len(sys.argv) == 5:
    username = sys.argv[3]
    with open(sys.argv[4], encoding="utf-8") as password_file:
        password = password_file.readline().rstrip("\r\n")
state = {"session": None, "passed": False}


def on_connect(client, userdata, flags, rc):
    # paho 1.6 leaves Nagle on; a fair peer gets the same socket option we use.
    if transport == "tcp":
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.subscribe(f"{user_id}/UUID", qos=2)


def on_subscribe(client, userdata, mid, granted_qos):
    if state["session"] is None:
        client.publish("login", user_id, qos=2)


def on_message(client, userdata, message):
    payload = message.payload.decode("utf-8", "replace")
    if state["session"] is None:
        state["session"] = payload
        client.subscribe(payload, qos=2)
    elif payload == "Well done my IoT!":
        state["passed"] = True
        client.disconnect()
    elif payload in TABLE:
        client.publish(f"{state['session']}/{payload}", TABLE[payload], qos=message.qos)


# With an account, a client ID of that account's own (`<user name>:...`): a roster broker's
# login plugin refuses any other (docs/isolation.md).
client_id = f"{username}:python" if username else f"python-{user_id}"
transport = os.environ.get("PEER_TRANSPORT", "tcp")
client = mqtt.Client(client_id=client_id, clean_session=True, transport=transport)
if username is not None:
    client.username_pw_set(username, password)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect("127.0.0.1", port, 30)
client.loop_forever()
sys.exit(0 if state["passed"] else 1)
