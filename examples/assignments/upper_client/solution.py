"""The textbook uppercase client, made robust: reads the reply until the
server closes the connection.

Usage: python3 solution.py PORT
"""
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


if __name__ == "__main__":
    main()
