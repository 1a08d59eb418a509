#!/usr/bin/env python3
"""Figures of a broker-kill soak (bench/broker_kill_soak.sh): the devices' --json transcripts
against the server's ledger, session by session.

  soak_report.py --devices DIR --ledger FILE --broker-log FILE --qos N [--json]

DIR holds <user ID>.jsonl (the device's stdout) and <user ID>.exit (its exit code) for every
device started. A QoS 2 duplicate is excused only when the broker's own log (log_type all)
shows it re-sending a QoS 2 PUBLISH after its PUBREL for that packet (MQTT-4.3.3-1), which
Mosquitto 2.0.11 does across restarts.
"""

import argparse
import collections
import json
import pathlib
import re
import sqlite3
import sys

PUBREL = re.compile(r"Sending PUBREL to (\S+) \(m(\d+)\)")
PUBCOMP = re.compile(r"Received PUBCOMP from (\S+) \(Mid: (\d+),")
PUBLISH = re.compile(r"Sending PUBLISH to (\S+) \(d\d, q2, r\d, m(\d+), '([^']*)'")


def broker_resends(log_path):
    """(client ID, topic) -> QoS 2 PUBLISH copies the broker sent after its PUBREL."""
    owed = set()
    resends = collections.Counter()
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            if m := PUBREL.search(line):
                owed.add((m[1], m[2]))
            elif m := PUBCOMP.search(line):
                owed.discard((m[1], m[2]))
            elif (m := PUBLISH.search(line)) and (m[1], m[2]) in owed:
                resends[(m[1], m[3])] += 1
    return resends


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


def failure_cause(device, traffic, sessions_by_user):
    """Why a device failed, as far as the broker's log and the ledger tell."""
    subscribed, sent = traffic
    reason = device["reason"] or f"exit {device['exit']}"
    client, user = f"cmdlink-{device['user_id']}", device["user_id"]
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
    resends = broker_resends(args.broker_log)
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
            failures[failure_cause(device, traffic, sessions_by_user)] += 1
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
        for key in set(sent) | set(got):
            if got[key] < sent[key]:
                problems.append(("command_lost", user, f"{key[0]} at QoS {key[1]}: ledger sent "
                                 f"{sent[key]}, device got {got[key]}"))
        answered, recorded = device["replies"], replies[sid]
        for key in set(answered) | set(recorded):
            if recorded[key] < answered[key]:
                problems.append(("reply_lost", user, f"{key[0]} at QoS {key[1]}: device sent "
                                 f"{answered[key]}, ledger holds {recorded[key]}"))
            if answered[key] == 0 and recorded[key] > 0:
                problems.append(("reply_not_from_device", user, f"{key[0]} at QoS {key[1]}"))
        if args.qos == 2:
            extra = sum(max(0, got[k] - sent[k]) for k in got)
            if extra:
                copies = resends[(f"cmdlink-{user}", sid)]
                entry = ("qos2_duplicate_command", user,
                         f"{sid}: {extra} extra, {copies} broker copies after PUBREL")
                (excused if copies >= extra else problems).append(entry)
                figures["qos2_duplicate_commands"] += extra
            extra = sum(max(0, recorded[k] - answered[k]) for k in recorded)
            if extra:
                copies = sum(resends[("cmdlink-server", f"{sid}/{k[0]}")] for k in recorded)
                entry = ("qos2_duplicate_reply", user,
                         f"{sid}: {extra} extra, {copies} broker copies after PUBREL")
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

    kinds = collections.Counter(kind for kind, _, _ in problems)
    result = {"qos": args.qos, **figures, "failures": dict(failures),
              "ledger_sessions": len(sessions), "ledger_outcomes": dict(ledger_outcomes),
              "disagreements": len(problems), "disagreement_kinds": dict(kinds),
              "sessions_disagreeing": len({user for _, user, _ in problems}),
              "excused_broker_duplicates": len(excused)}
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
              f"{figures['qos2_duplicate_replies']} replies in the ledger; "
              f"{len(excused)} excused by the broker's log")
    print(f"  disagreements between the ledger and the devices: {len(problems)} in "
          f"{len({user for _, user, _ in problems})} sessions {dict(kinds) or ''}")
    for kind, user, detail in problems[:40]:
        print(f"    {kind} {user}: {detail}")
    for kind, user, detail in excused[:10]:
        print(f"    excused {kind} {user}: {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
