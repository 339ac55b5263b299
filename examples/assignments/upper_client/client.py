"""The classic textbook TCP client, taking the server's port as its argument."""
from socket import AF_INET, SOCK_STREAM, socket
import sys

serverName = "127.0.0.1"
serverPort = int(sys.argv[1])
clientSocket = socket(AF_INET, SOCK_STREAM)
clientSocket.connect((serverName, serverPort))
sentence = input("Input lowercase sentence: ")
clientSocket.send(sentence.encode())
modifiedSentence = clientSocket.recv(1024)
print("From Server:", modifiedSentence.decode())
clientSocket.close()
