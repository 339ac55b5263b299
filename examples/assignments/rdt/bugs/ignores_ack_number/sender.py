"""Bug: takes any ACK for the one it waits for, so a late or duplicated ACK
of an earlier packet moves it on before the current one arrived.

Usage: python3 sender.py HOST PORT FILE
"""
import socket
import struct
import sys

CHUNK = 512
TIMEOUT = 0.1


def send_reliably(sock, address, packet, seq, tries=None):
    """Sends until the ACK of `seq` arrives (or `tries` run out)."""
    want = b"A" + struct.pack("!I", seq)
    attempt = 0
    while tries is None or attempt < tries:
        attempt += 1
        sock.sendto(packet, address)
        try:
            while True:
                ack, _ = sock.recvfrom(16)
                if ack[:1] == b"A":
                    return
        except socket.timeout:
            continue


def main():
    address = (sys.argv[1], int(sys.argv[2]))
    with open(sys.argv[3], "rb") as f:
        data = f.read()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(TIMEOUT)
    seq = 0
    for start in range(0, len(data), CHUNK):
        packet = b"D" + struct.pack("!I", seq) + data[start:start + CHUNK]
        send_reliably(sock, address, packet, seq)
        seq += 1
    # The receiver may be gone once it has the FIN: give up after a while.
    send_reliably(sock, address, b"F" + struct.pack("!I", seq), seq, tries=20)


if __name__ == "__main__":
    main()
