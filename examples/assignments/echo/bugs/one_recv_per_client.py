"""Bug: assumes one recv returns the whole conversation: echoes the first
read, then hangs up."""
import socket
import sys
import threading


def serve(conn):
    with conn:
        data = conn.recv(4096)
        conn.sendall(data)


def main():
    port = int(sys.argv[1])
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
