"""The UDP pinger lab (Kurose & Ross): send 10 pings to a UDP server, wait
up to one second for each reply, and print its round-trip time or that it
timed out.

Usage: python3 solution.py PORT
"""
import socket
import sys
import time


def main():
    server = ("127.0.0.1", int(sys.argv[1]))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(1.0)
        for seq in range(1, 11):
            sent = time.time()
            client.sendto(f"Ping {seq} {sent}".encode(), server)
            try:
                while True:
                    reply, _ = client.recvfrom(1024)
                    # A late reply to an earlier ping is not this one's.
                    if reply.decode().split()[1] == str(seq):
                        break
                rtt = (time.time() - sent) * 1000
                print(f"Ping {seq}: RTT {rtt:.3f} ms")
            except socket.timeout:
                print(f"Ping {seq}: Request timed out")


if __name__ == "__main__":
    main()
