"""Bug: serves one client at a time, so a client that is slow to send
blocks everyone else."""
import socket
import sys


def main():
    port = int(sys.argv[1])
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    while True:
        conn, _ = server.accept()
        with conn:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(1024)
                if not chunk:
                    break
                data += chunk
            sentence = data.decode("utf-8", errors="replace").rstrip("\r\n")
            conn.sendall((sentence.upper() + "\n").encode())


if __name__ == "__main__":
    main()
