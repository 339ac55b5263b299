"""Bug: sends each message back to its sender too."""
import socket
import sys
import threading

PROMPT = b"Enter your username: "
lock = threading.Lock()
users = {}  # name -> connection, in join order


def send(conn, text):
    try:
        conn.sendall(text.encode())
    except OSError:
        pass


def broadcast(text, sender=None):
    with lock:
        targets = [conn for conn in users.values() if conn is not sender]
    for conn in targets:
        send(conn, text)


def lines(conn):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode("utf-8", errors="replace")
        chunk = conn.recv(4096)
        if not chunk:
            return
        buffer += chunk


def refused(name):
    return (name in users or len(name) > 32 or name.startswith("[")
            or any(ord(c) < 32 or ord(c) == 127 for c in name))


def serve(conn, port):
    name = None
    try:
        conn.sendall(PROMPT)
        for raw in lines(conn):
            line = raw.strip()
            if name is None:
                candidate = line or f"User_{port}"
                with lock:
                    ok = not refused(candidate)
                    if ok:
                        users[candidate] = conn
                if not ok:
                    send(conn, "[SERVER] Username refused\n")
                    conn.sendall(PROMPT)
                    continue
                name = candidate
                broadcast(f"[SERVER] {name} joined the chat!\n")
                send(conn, "[SERVER] Welcome to the chat!\n")
            elif line == "/quit":
                break
            elif line == "/users":
                with lock:
                    names = ", ".join(users)
                send(conn, f"[SERVER] Online users: {names}\n")
            elif line:
                broadcast(f"[{name}] {line}\n")
    except OSError:
        pass
    finally:
        if name is not None:
            with lock:
                users.pop(name, None)
            broadcast(f"[SERVER] {name} left the chat\n")
        conn.close()


def main():
    port = int(sys.argv[1])
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    while True:
        conn, address = server.accept()
        threading.Thread(target=serve, args=(conn, address[1]), daemon=True).start()


if __name__ == "__main__":
    main()
