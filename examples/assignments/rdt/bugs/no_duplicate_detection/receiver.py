"""Bug: no duplicate detection. Every data packet is kept, so a packet sent
again (its ACK was lost) or duplicated by the network is kept twice.

Packets: b"D" + seq (4 bytes, big-endian, from 0) + data; b"F" + seq ends
the transfer. Every packet is acknowledged with b"A" + its seq; data is kept
only when its seq is the next one expected. At the end it prints
"received N bytes, sha256 HEX".

Usage: python3 receiver.py PORT
"""
import hashlib
import socket
import struct
import sys


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", int(sys.argv[1])))
    expected = 0
    data = bytearray()
    while True:
        packet, sender = sock.recvfrom(2048)
        if len(packet) < 5:
            continue
        kind, (seq,) = packet[:1], struct.unpack("!I", packet[1:5])
        sock.sendto(b"A" + packet[1:5], sender)
        if kind == b"D":
            data += packet[5:]
            expected += 1
        elif kind == b"F":
            # Sent only once every packet was acknowledged: the transfer is over.
            break
    # The ACK of the FIN may be lost: answer a repeated FIN for a while.
    sock.settimeout(0.3)
    try:
        while True:
            packet, sender = sock.recvfrom(2048)
            sock.sendto(b"A" + packet[1:5], sender)
    except socket.timeout:
        pass
    print(f"received {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}", flush=True)


if __name__ == "__main__":
    main()
