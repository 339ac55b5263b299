"""Bug: sets the timeout but does not catch it: the first lost ping ends the
client with a traceback."""
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
            client.recvfrom(1024)
            print(f"Ping {seq}: RTT {(time.time() - sent) * 1000:.3f} ms")


if __name__ == "__main__":
    main()
