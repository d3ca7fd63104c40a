"""A real SMTP server on loopback for the tests (aiosmtpd): each message it receives is
decoded with Python's own e-mail parser and saved as one JSON file in a directory:
{"from": ..., "to": [...], "subject": ..., "text": <the plain-text body>}.

    python sink.py DIR PORT      # prints "ready PORT" once listening; stops when stdin closes
"""
import email
import email.policy
import json
import os
import sys

from aiosmtpd.controller import Controller


class Save:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "header_from": str(msg["from"]),
            "text": body.get_content() if body is not None else "",
        }
        self.count += 1
        tmp = os.path.join(self.directory, f".{self.count}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        # Renamed into place, so that a reader never sees half a message.
        os.rename(tmp, os.path.join(self.directory, f"{self.count:04d}.json"))
        return "250 OK"


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Save(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"ready {port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
