"""Bug: numbers its pings 0 to 9, not 1 to 10."""
import socket
import sys
import time


def main():
    server = ("127.0.0.1", int(sys.argv[1]))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(1.0)
        for seq in range(10):
            sent = time.time()
            client.sendto(f"Ping {seq} {sent}".encode(), server)
            try:
                client.recvfrom(1024)
                print(f"Ping {seq}: RTT {(time.time() - sent) * 1000:.3f} ms")
            except socket.timeout:
                print(f"Ping {seq}: Request timed out")


if __name__ == "__main__":
    main()
