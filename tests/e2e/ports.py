"""Free ports on loopback for the e2e tests' servers."""
import os
import socket


def free_udp_range(size=20):
    """A run of free UDP ports (checked by binding each). The search starts at
    a place given by the process ID, so parallel runs rarely meet, and wraps
    round the whole 20000-60000 range."""
    runs = (60000 - 20000) // size
    first = os.getpid() % runs
    for index in range(runs):
        base = 20000 + (first + index) % runs * size
        try:
            sockets = []
            for port in range(base, base + size):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.1", port))
                sockets.append(s)
            for s in sockets:
                s.close()
            return base, base + size - 1
        except OSError:
            for s in sockets:
                s.close()
    raise RuntimeError("no free UDP ports")
