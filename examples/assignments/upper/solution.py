"""Uppercase server: each client sends one line; the server replies with it
uppercased (ending in a newline) and closes the connection.

Usage: python3 solution.py PORT
"""
import socket
import sys
import threading


def serve(conn):
    with conn:
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(1024)
            if not chunk:
                break
            data += chunk
        sentence = data.decode("utf-8", errors="replace").rstrip("\r\n")
        conn.sendall((sentence.upper() + "\n").encode())


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
