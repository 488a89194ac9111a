"""Local emails a person can open and click: one .eml file per message.

Django's file backend appends every message to a .log file as it goes on the
wire, quoted-printable, so a link copied from it carries `=3D` and soft line
breaks and is broken. An .eml file is the same bytes, but a mail client or a
browser opens it and decodes it. With DEBUG on (`make run`), the links of each
message's plain-text part are also printed, decoded, in the worker's log, so the
confirmation link of a local signup is one click away.

Selected by EMAIL_URL=file:///folder (flse_hub.env.mailers_from_url).
"""

import re
import sys
from email import policy
from pathlib import Path

from django.conf import settings
from django.core.mail import InvalidMailer
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.text import slugify

URL = re.compile(r"https?://[^\s<>\"')\]]+")
MAX_NAME = 60


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args, file_path=None, print_links=None, **kwargs):
        super().__init__(*args, **kwargs)
        if file_path is None:
            raise InvalidMailer("OPTIONS must define 'file_path'.", alias=self.alias)
        self.folder = Path(file_path).resolve()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            message = f"Cannot create {self.folder}: {error}"
            raise InvalidMailer(message, alias=self.alias) from error
        # Links in a log are for a developer's own machine: never in production logs.
        self.print_links = settings.DEBUG if print_links is None else print_links

    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            mime = message.message(policy=policy.default)
            path = self._write(mime.as_bytes(), message.subject)
            if self.print_links:
                self._print_links(path, message, mime)
            sent += 1
        return sent

    def _write(self, data, subject):
        stem = f"{timezone.localtime():%Y-%m-%dT%H-%M-%S}-{_short_slug(subject)}"
        for n in range(1, 1000):
            path = self.folder / (f"{stem}.eml" if n == 1 else f"{stem}-{n}.eml")
            try:
                # "x": two workers writing in the same second never overwrite each other.
                with open(path, "xb") as file:
                    file.write(data)
                return path
            except FileExistsError:
                continue
        raise FileExistsError(f"{stem}.eml and 998 more exist in {self.folder}")

    def _print_links(self, path, message, mime):
        text = mime.get_body(preferencelist=("plain",))
        links = URL.findall(text.get_content()) if text is not None else []
        try:
            shown = path.relative_to(Path.cwd())
        except ValueError:
            shown = path
        lines = [f"Email to {', '.join(message.to)}: {message.subject!r} -> {shown}"]
        lines += [f"    {link}" for link in dict.fromkeys(links)]
        # stderr, not logging: the worker's log level hides INFO, and this is a
        # developer's own terminal (DEBUG only).
        sys.stderr.write("\n".join(lines) + "\n")
        sys.stderr.flush()


def _short_slug(subject):
    slug = slugify(subject or "") or "email"
    if len(slug) > MAX_NAME:
        slug = slug[: MAX_NAME + 1].rsplit("-", 1)[0]  # whole words only
    return slug
