# Shared helpers for scripts that use Debian's packages. Source it.

# Prints the Debian archive this machine's apt uses for its own release (from /etc/apt/sources.list and
# /etc/apt/sources.list.d, both one-line and deb822 formats), so that nothing here names a mirror: a
# machine behind a corporate mirror keeps using it. Fails when none is configured.
debian_mirror() {
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  python3 - "$codename" <<'PY'
import glob, re, sys
codename = sys.argv[1]
found = []
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        continue
    for line in lines:
        line = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
        if len(line) >= 3 and line[0] == "deb" and line[2] == codename:
            found.append(line[1])
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        continue
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.split()
        if "deb" in fields.get("types", []) and codename in fields.get("suites", []) \
                and fields.get("enabled", ["yes"])[0].lower() != "no":
            found.extend(fields.get("uris", []))
if not found:
    sys.exit(f"no apt source for Debian {codename!r} in /etc/apt")
print(found[0].rstrip("/"))
PY
}

