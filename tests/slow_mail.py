"""A file mail backend that takes its time per message, so a test can stop the database mid-send."""

import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, messages):
        time.sleep(0.4 * len(messages))
        return super().send_messages(messages)
