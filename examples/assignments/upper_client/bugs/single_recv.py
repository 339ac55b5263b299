"""Bug: the textbook's one recv, so a reply that arrives in pieces is cut."""
import socket
import sys


def main():
    port = int(sys.argv[1])
    sentence = input("Input lowercase sentence: ")
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(("127.0.0.1", port))
    client.send(sentence.encode())
    modified = client.recv(1024)
    print("From Server:", modified.decode())
    client.close()


if __name__ == "__main__":
    main()
