#!/usr/bin/env bash
# Writes cmake/lean_client.order: the code sections the lean client runs in a session, in the
# order it first runs them, for gold's --section-ordering-file (cmake/lean_linking.cmake).
# Packed together they fill a few pages instead of being spread over the whole binary, whose
# every touched page brings its neighbours into RSS (BENCHMARKS.md, "Footprint").
# Regenerate after a change to what a session runs; a stale list costs RSS, never correctness.
#   bench/hot_sections.sh   (needs build/ and build-client/ built, and valgrind)
# The sessions: one quiet (-q), one with the default output, one with --json, one with -v.
set -euo pipefail
cd "$(dirname "$0")/.."
lean=./build-client/cmdlink
for needed in ./build/cmdlink "$lean"; do
  [ -x "$needed" ] || { echo "hot_sections.sh: $needed is not built" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "hot_sections.sh: needs valgrind" >&2; exit 2; }
source bench/broker.sh

profiles=()
flag_sets=("-q" "" "--json" "-v")
for index in "${!flag_sets[@]}"; do
  ./build/cmdlink server --port "$port" --commands 3-11 --delay 0.3 --stop-after 1 -q &
  server_pid=$!
  sleep 0.3
  profile="$work/callgrind.$index"
  # shellcheck disable=SC2086 # an empty flag set is no argument
  valgrind -q --tool=callgrind --demangle=no --callgrind-out-file="$profile" \
    "$lean" client --host 127.0.0.1 --port "$port" --user-id "hot$index" \
    ${flag_sets[$index]} >/dev/null 2>&1
  wait "$server_pid"
  profiles+=("$profile")
done

python3 - "$lean" build-client "$(g++ -print-file-name=libstdc++.a)" cmake/lean_client.order \
  "${profiles[@]}" <<'PY'
import pathlib, re, subprocess, sys

binary, build_directory, libstdcxx, output, *profiles = sys.argv[1:]

# Functions of the binary in the order the sessions first ran them (callgrind's name
# compression: "fn=(7) name" defines an ID once, later lines say "fn=(7)").
ran = []
seen = set()
for profile in profiles:
    objects, functions, current = {}, {}, ""
    for line in open(profile):
        match = re.match(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not match:
            continue
        kind, key, name = match.groups()
        table = objects if kind.endswith("ob") else functions
        if name:
            table[key] = name
        if kind == "ob":
            current = objects[key]
        elif kind == "fn" and current == str(pathlib.Path(binary).resolve()):
            function = functions[key]
            if function not in seen:
                seen.add(function)
                ran.append(function)

# Each function's input section, from the objects the binary is linked from: a constructor
# runs as C1 but lives in the C2 section, a clone in its own; gold orders sections.
section_of = {}
objects = [str(p) for p in pathlib.Path(build_directory).rglob("*.o")] + [libstdcxx]
for archive in objects:
    table = subprocess.run(["objdump", "-t", archive], capture_output=True, text=True,
                           check=True).stdout
    for line in table.splitlines():
        match = re.match(r"^[0-9a-f]+ .{7} (\.text\S*)\s+[0-9a-f]+ +(?:\.hidden )?(\S+)$", line)
        if match:
            section_of.setdefault(match.group(2), match.group(1))

sections, unmatched = [], 0
for function in ran:
    section = section_of.get(function)
    if section is None or section == ".text":
        unmatched += 1
    elif section not in sections:
        sections.append(section)
pathlib.Path(output).write_text("\n".join(sections) + "\n")
print(f"{output}: {len(sections)} sections from {len(ran)} functions run "
      f"({unmatched} not in a section of their own)", file=sys.stderr)
PY
