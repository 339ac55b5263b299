"""Bug: treats the server closing the connection as an error, and exits
with a traceback (code 1) after printing the reply."""
import socket
import sys


def main():
    port = int(sys.argv[1])
    sentence = input("Input lowercase sentence: ")
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(sentence.encode())
        reply = b""
        while True:
            chunk = client.recv(1024)
            if not chunk:
                break
            reply += chunk
        print("From Server:", reply.decode())
        raise ConnectionError("server hung up")


if __name__ == "__main__":
    main()
