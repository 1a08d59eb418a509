#!/usr/bin/env python3
"""Figures of a broker-kill soak (bench/broker_kill_soak.sh): the devices' --json transcripts
against the server's ledger, session by session.

  soak_report.py --devices DIR --ledger FILE --broker-log FILE --qos N [--json]

DIR holds <user ID>.jsonl (the device's stdout) and <user ID>.exit (its exit code) for every
device started. A duplicate or a loss is excused only when the broker's own log (log_type all)
proves it the broker's across a restart (broker_faults): a QoS 2 PUBLISH sent again after its
PUBREL for that packet, one it acknowledged with PUBREC and then dropped, or a session ID
whose packet ID it reused while an older session ID was still in flight to the device.
"""

import argparse
import collections
import json
import pathlib
import re
import sqlite3
import sys

STARTING = re.compile(r"mosquitto version \S+ starting")
SENT_Q2 = re.compile(r"Sending PUBLISH to (\S+) \(d(\d), q2, r\d, m(\d+), '([^']*)'")
SENT_PUBREL = re.compile(r"Sending PUBREL to (\S+) \(m(\d+)\)")
GOT_PUBCOMP = re.compile(r"Received PUBCOMP from (\S+) \(Mid: (\d+),")
GOT_Q2 = re.compile(r"Received PUBLISH from (\S+) \(d\d, q2, r\d, m(\d+), '([^']*)'")
SENT_PUBREC = re.compile(r"Sending PUBREC to (\S+) \(m(\d+), rc0\)")
GOT_PUBREL = re.compile(r"Received PUBREL from (\S+) \(Mid: (\d+)\)")
SENT_PUBCOMP = re.compile(r"Sending PUBCOMP to (\S+) \(m(\d+)\)")


def broker_faults(log_path):
    """What the broker's own log proves it did to QoS 2 messages (Counters by client ID and
    topic), all of them across its restarts from a database saved a moment too early:

    copies (receiver, topic): PUBLISHes it sent again after its PUBREL for that packet,
      before the PUBCOMP (MQTT-4.3.3-1 allows only PUBREL then) or, as a DUP, after it. The
      receiver may already have delivered the message and freed the packet ID, and must take
      the copy for a new one.
    losses (sender, topic): PUBLISHes it acknowledged with PUBREC before a restart and, when
      the sender's PUBREL came after it, completed with PUBCOMP without sending them on to
      anyone. (A subscriber offline at that moment gets the message later, unlogged; such a
      release counts here too, which matters only if the topic also loses one for real.)
    reused (receiver, topic): packet IDs of a message in flight to the receiver at a restart
      that it gave a new message (no DUP) without completing the first. The receiver still
      holds the first awaiting PUBREL and takes the new one for its retransmission
      (libmosquitto then delivers the first in its place): the new message is lost.
    """
    copies, losses, reused = (collections.Counter() for _ in range(3))
    outgoing = {}      # (receiver, packet ID) -> [released, completed, restarted]
    acknowledged = {}  # (sender, packet ID) -> [topic, restarted, PUBREC sent]
    releasing = None   # (sender, topic) between a PUBREL after a restart and its PUBCOMP
    forwarded = False
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            if STARTING.search(line):
                for flow in acknowledged.values():
                    flow[1] = True
                for flow in outgoing.values():
                    flow[2] = True
            elif m := SENT_Q2.search(line):
                key, dup, topic = (m[1], m[3]), m[2] == "1", m[4]
                flow = outgoing.get(key)
                if flow and (flow[0] and not flow[1] or flow[1] and dup):
                    copies[(m[1], topic)] += 1
                elif flow and not flow[1] and not dup and flow[2]:
                    reused[(m[1], topic)] += 1
                if not (flow and dup and not flow[0]):
                    outgoing[key] = [False, False, False]
                if releasing and topic == releasing[1]:
                    forwarded = True
            elif m := SENT_PUBREL.search(line):
                if (m[1], m[2]) in outgoing:
                    outgoing[(m[1], m[2])][0] = True
            elif m := GOT_PUBCOMP.search(line):
                if (m[1], m[2]) in outgoing:
                    outgoing[(m[1], m[2])][1] = True
            elif m := GOT_Q2.search(line):
                acknowledged[(m[1], m[2])] = [m[3], False, False]
            elif m := SENT_PUBREC.search(line):
                if (m[1], m[2]) in acknowledged:
                    acknowledged[(m[1], m[2])][2] = True
            elif m := GOT_PUBREL.search(line):
                flow = acknowledged.pop((m[1], m[2]), None)
                releasing = (m[1], flow[0]) if flow and flow[1] and flow[2] else None
                forwarded = False
            elif (m := SENT_PUBCOMP.search(line)) and releasing and m[1] == releasing[0]:
                if not forwarded:
                    losses[releasing] += 1
                releasing = None
    return copies, losses, reused


SUBSCRIBED = re.compile(r": (\S+) [0-2] (\S+)$")
SENT = re.compile(r"Sending PUBLISH to (\S+) \(d\d, q\d, r\d, m\d+, '([^']*)'")


def broker_traffic(log_path):
    """(client ID, topic) pairs the broker logged subscriptions for, and sent messages on."""
    subscribed, sent = set(), collections.Counter()
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            if m := SENT.search(line):
                sent[(m[1], m[2])] += 1
            elif m := SUBSCRIBED.search(line.rstrip("\n")):
                subscribed.add((m[1], m[2]))
    return subscribed, sent


# A subscription that reached the broker and yet got nothing: Mosquitto saves its database
# after it has acknowledged (autosave), so a SIGKILL can lose a subscription while the
# client's session survives; the broker then reports the session present, and a client
# that does not subscribe again on such a reconnect never hears from that topic again.
LOST_SUBSCRIPTION = "(lost in a broker kill; not re-subscribed on a session-present reconnect)"


ID_REUSED = ("the broker reused the packet ID of a session ID still in flight to the device "
             "across its restart; the device got an older session ID in place of the newer")


def session_id_swapped(reused, user):
    """Whether the broker reused the packet ID of a session ID in flight to this user's device."""
    return reused[(f"cmdlink-{user}", f"{user}/UUID")] > 0


def failure_cause(device, traffic, sessions_by_user, faults):
    """Why a device failed, as far as the broker's log and the ledger tell."""
    subscribed, sent = traffic
    _, losses, reused = faults
    reason = device["reason"] or f"exit {device['exit']}"
    client, user = f"cmdlink-{device['user_id']}", device["user_id"]
    if session_id_swapped(reused, user):
        return f"{reason}: {ID_REUSED}"
    if reason == "cannot_connect":
        return "cannot_connect: its first connect failed (broker down), exit 3"
    if reason == "login_timeout":
        if (client, f"{user}/UUID") not in subscribed:
            return "login_timeout: its <user>/UUID SUBSCRIBE never reached the broker"
        if user not in sessions_by_user:
            return "login_timeout: its login never reached the server (lost across a restart)"
        if not sent[(client, f"{user}/UUID")]:
            return f"login_timeout: the broker had no <user>/UUID subscription {LOST_SUBSCRIPTION}"
        return "login_timeout: the broker sent the session ID; it never arrived"
    if reason == "idle_timeout":
        topic = device["session_id"]
        if (client, topic) not in subscribed:
            return ("idle_timeout: its session SUBSCRIBE never reached the broker "
                    "(lost with the connection; not re-sent on a session-present reconnect)")
        if not sent[(client, topic)]:
            return f"idle_timeout: the broker had no session subscription {LOST_SUBSCRIPTION}"
        if losses[("cmdlink-server", topic)]:
            return ("idle_timeout: the broker lost commands it had acknowledged to the server "
                    "(PUBREC) across its restart")
        return ("idle_timeout: subscribed and served, yet a command, reply or Well done of "
                "its exchange was lost across a broker restart")
    return reason


def read_device(jsonl, exit_file):
    device = {"user_id": jsonl.stem, "session_id": "", "outcome": "", "reason": "",
              "commands": collections.Counter(), "replies": collections.Counter(),
              "reconnects": 0, "session_present_reconnects": 0}
    try:
        device["exit"] = int(exit_file.read_text().strip())
    except (OSError, ValueError):
        device["exit"] = None
    for line in jsonl.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        name = event.get("event")
        key = (event.get("command", ""), event.get("qos", -1))
        if name == "command":
            device["commands"][key] += 1
        elif name == "reply":
            device["replies"][key] += 1
        elif name == "session":
            device["session_id"] = event.get("session_id", "")
        elif name == "error":
            device["reason"] = event.get("reason", "")
        elif name == "reconnect" and event.get("session_present"):
            device["session_present_reconnects"] += 1
        elif name == "summary":
            device["outcome"] = event.get("outcome", "")
            device["reconnects"] = event.get("reconnects", 0)
    return device


def read_ledger(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sessions = {row[0]: {"user_id": row[1], "outcome": row[2] or "", "reason": row[3] or ""}
                for row in db.execute("SELECT session_id, user_id, outcome, reason FROM sessions")}
    commands = collections.defaultdict(collections.Counter)
    for session_id, command, qos in db.execute("SELECT session_id, command, qos FROM commands"):
        commands[session_id][(command, qos)] += 1
    replies = collections.defaultdict(collections.Counter)
    verdicts = collections.defaultdict(collections.Counter)
    for session_id, command, qos, verdict in db.execute(
            "SELECT session_id, command, qos, verdict FROM replies"):
        replies[session_id][(command, qos)] += 1
        verdicts[session_id][verdict] += 1
    return sessions, commands, replies, verdicts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", required=True, type=pathlib.Path)
    parser.add_argument("--ledger", required=True)
    parser.add_argument("--broker-log", required=True)
    parser.add_argument("--qos", required=True, type=int)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of text")
    args = parser.parse_args()

    devices = [read_device(path, path.with_suffix(".exit"))
               for path in sorted(args.devices.glob("*.jsonl"))]
    sessions, commands, replies, verdicts = read_ledger(args.ledger)
    faults = broker_faults(args.broker_log)
    copies_made, losses, reused = faults
    traffic = broker_traffic(args.broker_log)
    sessions_by_user = {session["user_id"] for session in sessions.values()}

    figures = collections.Counter()
    failures = collections.Counter()
    problems = []   # (kind, user ID, detail): disagreements between a device and the ledger
    excused = []
    for device in devices:
        user, sid = device["user_id"], device["session_id"]
        figures["started"] += 1
        passed = device["exit"] == 0 and device["outcome"] == "passed"
        figures["passed" if passed else "failed"] += 1
        if not passed:
            failures[failure_cause(device, traffic, sessions_by_user, faults)] += 1
        if not sid:
            continue
        if sid not in sessions:
            problems.append(("session_not_in_ledger", user, sid))
            continue
        ledger_outcome = sessions[sid]["outcome"]
        if passed and ledger_outcome != "passed":
            problems.append(("device_passed_ledger_not", user,
                             f"{sid}: {ledger_outcome} ({sessions[sid]['reason']})"))
        if ledger_outcome == "passed" and not passed:
            problems.append(("ledger_passed_device_not", user,
                             f"{sid}: device {device['outcome'] or device['reason']}"))
        sent, got = commands[sid], device["commands"]
        missing = sum(max(0, sent[key] - got[key]) for key in sent)
        for key in set(sent) | set(got):
            if got[key] < sent[key]:
                lost = losses[("cmdlink-server", sid)]
                proof = (f"; {lost} of the server's PUBLISHes on the session lost by the broker "
                         "after its PUBREC") if args.qos == 2 else ""
                entry = ("command_lost", user, f"{key[0]} at QoS {key[1]}: ledger sent "
                         f"{sent[key]}, device got {got[key]}{proof}")
                (excused if lost >= missing else problems).append(entry)
        answered, recorded = device["replies"], replies[sid]
        for key in set(answered) | set(recorded):
            if recorded[key] < answered[key]:
                lost = losses[(f"cmdlink-{user}", f"{sid}/{key[0]}")]
                proof = (f"; {lost} lost by the broker after its PUBREC"
                         if args.qos == 2 else "")
                entry = ("reply_lost", user, f"{key[0]} at QoS {key[1]}: device sent "
                         f"{answered[key]}, ledger holds {recorded[key]}{proof}")
                (excused if lost >= answered[key] - recorded[key] else problems).append(entry)
            if answered[key] == 0 and recorded[key] > 0:
                problems.append(("reply_not_from_device", user, f"{key[0]} at QoS {key[1]}"))
        if args.qos == 2:
            extra = sum(max(0, got[k] - sent[k]) for k in got)
            if extra:
                copies = copies_made[(f"cmdlink-{user}", sid)]
                entry = ("qos2_duplicate_command", user,
                         f"{sid}: {extra} extra, {copies} broker copies after its PUBREL")
                (excused if copies >= extra else problems).append(entry)
                figures["qos2_duplicate_commands"] += extra
            extra = sum(max(0, recorded[k] - answered[k]) for k in recorded)
            if extra:
                copies = sum(copies_made[("cmdlink-server", f"{sid}/{k[0]}")] for k in recorded)
                entry = ("qos2_duplicate_reply", user,
                         f"{sid}: {extra} extra, {copies} broker copies after its PUBREL")
                (excused if copies >= extra else problems).append(entry)
                figures["qos2_duplicate_replies"] += extra
        bad = {v: n for v, n in verdicts[sid].items()
               if v not in ("correct", "surplus", "after_end")}
        if bad:
            problems.append(("wrong_verdict", user, f"{sid}: {bad}"))

    users = {d["user_id"]: d["session_id"] for d in devices}
    ledger_outcomes = collections.Counter()
    for sid, session in sessions.items():
        ledger_outcomes[session["outcome"] or "open"] += 1
        if session["user_id"] not in users:
            problems.append(("stray_session", session["user_id"], sid))
        elif not users[session["user_id"]]:
            problems.append(("session_id_never_reached_device", session["user_id"],
                             f"{sid}: {session['outcome']} ({session['reason']})"))
        elif users[session["user_id"]] != sid:
            problems.append(("extra_session", session["user_id"],
                             f"{sid}: {session['outcome']} ({session['reason']})"))

    # What follows from a session ID the broker swapped for an older one (the device follows the
    # wrong session) is the broker's.
    swapped = {user for user in users if session_id_swapped(reused, user)}
    excused += [(kind, user, f"{detail}; {ID_REUSED}")
                for kind, user, detail in problems if user in swapped]
    problems = [problem for problem in problems if problem[1] not in swapped]
    kinds = collections.Counter(kind for kind, _, _ in problems)
    result = {"qos": args.qos, **figures, "failures": dict(failures),
              "ledger_sessions": len(sessions), "ledger_outcomes": dict(ledger_outcomes),
              "disagreements": len(problems), "disagreement_kinds": dict(kinds),
              "sessions_disagreeing": len({user for _, user, _ in problems}),
              "excused_broker_faults": len(excused)}
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"QoS {args.qos}: {figures['started']} sessions started, {figures['passed']} passed, "
          f"{figures['failed']} failed")
    for cause, count in failures.most_common():
        print(f"    {count} {cause}")
    print(f"  ledger: {len(sessions)} sessions {dict(ledger_outcomes)}")
    if args.qos == 2:
        print(f"  QoS 2 duplicates: {figures['qos2_duplicate_commands']} commands to devices, "
              f"{figures['qos2_duplicate_replies']} replies in the ledger")
    if excused:
        print(f"  {len(excused)} disagreements excused: the broker's own log proves them its doing")
    print(f"  disagreements between the ledger and the devices: {len(problems)} in "
          f"{len({user for _, user, _ in problems})} sessions {dict(kinds) or ''}")
    for kind, user, detail in problems[:40]:
        print(f"    {kind} {user}: {detail}")
    for kind, user, detail in excused[:10]:
        print(f"    excused {kind} {user}: {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
