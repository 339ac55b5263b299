"""Bug: no timeout on the socket, so a lost ping blocks the client for ever."""
import socket
import sys
import time


def main():
    server = ("127.0.0.1", int(sys.argv[1]))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        for seq in range(1, 11):
            sent = time.time()
            client.sendto(f"Ping {seq} {sent}".encode(), server)
            client.recvfrom(1024)
            print(f"Ping {seq}: RTT {(time.time() - sent) * 1000:.3f} ms")


if __name__ == "__main__":
    main()
