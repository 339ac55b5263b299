"""Bug: waits 100 ms instead of one second, so a slow reply counts as lost."""
import socket
import sys
import time


def main():
    server = ("127.0.0.1", int(sys.argv[1]))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(0.1)
        for seq in range(1, 11):
            sent = time.time()
            client.sendto(f"Ping {seq} {sent}".encode(), server)
            try:
                while True:
                    reply, _ = client.recvfrom(1024)
                    if reply.decode().split()[1] == str(seq):
                        break
                print(f"Ping {seq}: RTT {(time.time() - sent) * 1000:.3f} ms")
            except socket.timeout:
                print(f"Ping {seq}: Request timed out")


if __name__ == "__main__":
    main()
