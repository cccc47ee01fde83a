"""A private network namespace for the WebRTC tests: the test re-executes
itself under `unshare -n` (root only; exit 77, a skip, otherwise) and gets
a veth pair with `address` on one end. WebRTC stacks gather no loopback
candidates, and nothing the test sends leaves the namespace."""
import os
import subprocess
import sys


def enter(address):
    if os.environ.get("_RTPARCHIVE_NETNS") != "1":
        if os.geteuid() != 0 or subprocess.run(["unshare", "-n", "true"]).returncode != 0:
            print("SKIP: needs root for a private network namespace (unshare -n)")
            sys.exit(77)
        os.execvpe("unshare", ["unshare", "-n", sys.executable] + sys.argv,
                   dict(os.environ, _RTPARCHIVE_NETNS="1"))
    for command in ["ip link set lo up", "ip link add eth0 type veth peer name eth1",
                    f"ip addr add {address}/24 dev eth0", "ip link set eth0 up", "ip link set eth1 up"]:
        subprocess.run(command.split(), check=True)


def drop_incoming(percent, first_port, last_port):
    """The kernel drops `percent`% of the UDP datagrams arriving for the
    ports (nftables, random); drop_incoming(0, ...) ends it. Returns how
    many it dropped so far."""
    if percent:
        rules = (f"add table ip loss\nadd chain ip loss input {{ type filter hook input priority 0; }}\n"
                 f"add rule ip loss input udp dport {first_port}-{last_port} numgen random mod 100 < {percent} "
                 "counter drop\n")
        subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True)
        return 0
    listed = subprocess.run(["nft", "list", "table", "ip", "loss"], capture_output=True, text=True).stdout
    subprocess.run(["nft", "delete", "table", "ip", "loss"], capture_output=True)
    words = listed.split()
    return int(words[words.index("packets") + 1]) if "packets" in words else 0
