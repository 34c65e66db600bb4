"""Sending one reminder e-mail over SMTP (the standard library's client)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from archive.settings import Settings

SMTP_SECONDS = 30.0


def send(settings: Settings, to: str, subject: str, body: str, key: str) -> None:
    """Send one message; raises ``OSError`` / ``smtplib.SMTPException`` when it is not taken.
    The Message-ID is derived from ``key``, so a message sent again after a crash between
    sending and recording is recognisable as the same one."""
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(idstring=key, domain="case-archive")
    message.set_content(body, charset="utf-8")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
