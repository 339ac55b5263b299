"""Bug: forgets the blank line between the headers and the body."""
import os
import socket
import sys
import threading


def read_request(conn):
    """Reads until the blank line that ends the request's headers."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data.decode("latin-1")


def serve(conn):
    with conn:
        request = read_request(conn)
        if request is None:
            return
        path = request.split()[1].lstrip("/")
        name = os.path.basename(path)
        try:
            with open(name, "rb") as f:
                body = f.read()
            head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n"
        except OSError:
            body = b"<html><body><h1>404 Not Found</h1></body></html>\n"
            head = f"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n"
        conn.sendall(head.encode() + body)


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(sys.argv[1])))
    server.listen()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
