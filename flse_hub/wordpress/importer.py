"""Import a WordPress export (flse_hub.wordpress.wxr) into the hub, as one staff user.

Lives under flse_hub, not posts: it writes pages and redirects (flse_hub.site) as well
as posts, people, topics and the media library, and posts never import flse_hub.site.
Everything goes through the paths staff use: posts are made live only by
posts.workflow.publish, files only through flse_hub.uploads' checks, redirects only
after flse_hub.site.redirects' validation, revisions with the user's name on them.
The caller runs it inside one transaction (nothing half-written) and prints the Report.
"""

import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from urllib.parse import unquote

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from flse_hub.site.models import Page, Redirect
from flse_hub.site.pages import reserved_slugs
from flse_hub.site.redirects import split_old_address
from flse_hub.uploads import IMAGE, detect
from flse_hub.wordpress import fetch, markup
from flse_hub.wordpress.models import ImportedItem
from people.models import Person
from posts import revisions, workflow
from posts.media.models import Document, Image
from posts.models import Credit, Post, Topic

Kind = ImportedItem.Kind
ADD_POST = "posts.add_post"
PUBLISH = workflow.PUBLISH
_SIZE_SUFFIX = re.compile(r"-[0-9]{1,5}x[0-9]{1,5}(?=\.[A-Za-z0-9]{1,5}\Z)")
# WordPress's default category: on every uncategorised post, a topic page of nothing.
SKIPPED_CATEGORIES = {"uncategorized"}


class Report:
    """Counts per kind (created, updated, skipped…) and every problem, with its item."""

    def __init__(self):
        self.counts = defaultdict(Counter)
        self.problems = []

    def count(self, kind, outcome):
        self.counts[kind][outcome] += 1

    def problem(self, label, message):
        self.problems.append((label, message))

    def total(self, outcome):
        return sum(counts[outcome] for counts in self.counts.values())

    def lines(self):
        lines = []
        for kind in ("posts", "pages", "people", "topics", "media", "redirects"):
            counts = self.counts.get(kind)
            if counts:
                parts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
                lines.append(f"{kind}: {parts}")
        lines.append(
            f"Total: {self.total('created')} created, {self.total('updated')} updated, "
            f"{self.total('skipped')} skipped."
        )
        if self.problems:
            lines.append(f"{len(self.problems)} problems:")
            lines += [f"- {label}: {message}" for label, message in self.problems]
        else:
            lines.append("No problems.")
        return lines


def digest(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _unique_slug(base, taken, max_length, fallback):
    """`base`, or base-2, base-3… : the first for which `taken(slug)` is false."""
    base = (base or fallback)[:max_length].strip("-") or fallback
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate


def wordpress_slug(value):
    return slugify(unquote(value or ""))


def post_fingerprint(post):
    """What the import writes on a post, as stored now: any edit here changes it."""
    post = Post.objects.get(pk=post.pk)
    return digest(
        {
            "fields": [post.title, post.slug, post.standfirst, post.body, post.status],
            "published_at": post.published_at.isoformat() if post.published_at else None,
            "hero": post.hero_image_id,
            "topics": sorted(post.topics.values_list("pk", flat=True)),
            "people": sorted(post.credits.values_list("person_id", flat=True)),
        }
    )


def page_fingerprint(page):
    page = Page.objects.get(pk=page.pk)
    published = page.published_at.isoformat() if page.published_at else None
    return digest([page.title, page.slug, page.body, page.status, published])


class Importer:
    def __init__(self, export, user, report, *, media_dir=None, download=True, timeout=None):
        self.export = export
        self.user = user
        self.report = report
        self.media_dir = media_dir
        self.download = download
        self.timeout = timeout or fetch.DOWNLOAD_TIMEOUT_SECONDS
        self.source = export.link or export.title or "(unnamed WordPress site)"
        self.may_publish = user.has_perm(PUBLISH)
        self.now = timezone.now()
        self.records = {
            (r.kind, r.wordpress_id): r for r in ImportedItem.objects.filter(source=self.source)
        }
        self.people = {}  # author login -> Person
        self.topics = {}  # (domain, slug) -> Topic
        self.library = {}  # attachment id -> LibraryImage, or Document
        self.by_upload_path = {}  # "2021/03/photo.jpg" -> attachment id
        self.adhoc_images = {}  # upload path -> LibraryImage or None
        self.attachments = {i.id: i for i in export.items if i.type == "attachment"}
        self.stored_files = []  # names in storage, removed again if the run is rolled back
        self._said_once = set()

    # -- helpers --------------------------------------------------------------------

    def once(self, label, message):
        if (label, message) not in self._said_once:
            self._said_once.add((label, message))
            self.report.problem(label, message)

    def record(self, kind, wordpress_id, obj, source_hash, result_hash, guid=""):
        now = timezone.now()
        record, _ = ImportedItem.objects.update_or_create(
            source=self.source,
            kind=kind,
            wordpress_id=str(wordpress_id)[:500],
            defaults={
                "guid": guid[:1000],
                "content_type": ContentType.objects.get_for_model(obj),
                "object_id": obj.pk,
                "source_hash": source_hash,
                "result_hash": result_hash,
                "updated_at": now,
            },
            create_defaults={
                "guid": guid[:1000],
                "content_type": ContentType.objects.get_for_model(obj),
                "object_id": obj.pk,
                "source_hash": source_hash,
                "result_hash": result_hash,
                "imported_at": now,
                "updated_at": now,
            },
        )
        self.records[(kind, record.wordpress_id)] = record
        return record

    def recorded(self, kind, wordpress_id):
        """(record, hub object) of an earlier import; the object is None if deleted since."""
        record = self.records.get((kind, str(wordpress_id)[:500]))
        if record is None:
            return None, None
        # get_for_id is cached: no query per record on a re-run of a large export.
        model = ContentType.objects.get_for_id(record.content_type_id).model_class()
        return record, model._default_manager.filter(pk=record.object_id).first()

    # -- the run ----------------------------------------------------------------------

    def run(self):
        items = [i for i in self.export.items if i.type in ("post", "page")]
        self.import_people(items)
        self.import_topics(items)
        self.import_attachments()
        for item in items:
            self.import_item(item)
        self.report_not_carried_over()

    def import_people(self, items):
        logins = {a.login for a in self.export.authors}
        used = Counter()
        for item in items:
            login = self.author_login(item.creator, logins)
            if login:
                used[login] += 1
        seen = set()
        for author in self.export.authors:
            if author.login in seen or not author.login:
                continue
            seen.add(author.login)
            label = f"author {author.login}"
            if not used[author.login]:
                self.report.problem(label, "has no posts or pages in the export: no person made")
                continue
            record, person = self.recorded(Kind.AUTHOR, author.login)
            if record is not None:
                if person is None:
                    self.report.problem(
                        label, "deleted in the hub since the import: not re-created"
                    )
                else:
                    self.people[author.login] = person
                self.report.count("people", "skipped")
                continue
            name = markup.plain_text(author.name)[:200] or author.login[:200]
            existing = (
                Person.objects.filter(email__iexact=author.email).first() if author.email else None
            ) or Person.objects.filter(name=name).first()
            if existing is not None:
                person = existing
                self.report.count("people", "matched")
            elif not self.user.has_perm("people.add_person"):
                self.report.problem(
                    label, "you may not add people: their posts are imported without an author"
                )
                continue
            else:
                person = Person.objects.create(
                    name=name,
                    slug=_unique_slug(
                        slugify(name),
                        lambda s: Person.objects.filter(slug=s).exists(),
                        200,
                        "author",
                    ),
                    email=author.email if "@" in author.email else "",
                )
                self.report.count("people", "created")
            self.people[author.login] = person
            self.record(Kind.AUTHOR, author.login, person, digest(author.name), digest(name))

    def author_login(self, creator, logins):
        if creator in logins:
            return creator
        # Some exports wrap the login in stray markup (the theme test data has "login>").
        cleaned = re.sub(r"[^\w.@ -]", "", creator).strip()
        return cleaned if cleaned in logins else ""

    def import_topics(self, items):
        terms = {}
        for term in self.export.terms + [t for item in items for t in item.terms]:
            if term.domain in ("category", "post_tag") and term.slug:
                terms.setdefault((term.domain, term.slug), term)
        may_add = self.user.has_perm("posts.add_topic")
        for (domain, slug), term in terms.items():
            if domain == "category" and slug in SKIPPED_CATEGORIES:
                continue
            label = f"{'category' if domain == 'category' else 'tag'} “{term.name[:80]}”"
            key = f"{domain}:{slug}"
            record, topic = self.recorded(Kind.TERM, key)
            if record is not None:
                if topic is not None:
                    self.topics[(domain, slug)] = topic
                self.report.count("topics", "skipped")
                continue
            name = markup.plain_text(term.name)[:100] or slug[:100]
            topic = Topic.objects.filter(name__iexact=name).first()
            if topic is None:
                topic = Topic.objects.filter(slug=wordpress_slug(slug)[:100] or "-").first()
            if topic is not None:
                self.report.count("topics", "matched")
            elif not may_add:
                self.report.problem(label, "you may not add topics: posts are imported without it")
                continue
            else:
                topic = Topic.objects.create(
                    name=name,
                    slug=_unique_slug(
                        wordpress_slug(slug) or slugify(name),
                        lambda s: Topic.objects.filter(slug=s).exists(),
                        100,
                        "topic",
                    ),
                )
                self.report.count("topics", "created")
            self.topics[(domain, slug)] = topic
            self.record(Kind.TERM, key, topic, digest(term.name), digest(topic.name))

    # -- media ------------------------------------------------------------------------

    def import_attachments(self):
        for item in self.attachments.values():
            for address in (item.attachment_url, item.guid):
                path = fetch.upload_path(address)
                if path:
                    self.by_upload_path.setdefault(path, item.id)
        for item in self.attachments.values():
            record, obj = self.recorded(Kind.ATTACHMENT, item.id)
            if record is not None:
                if obj is None:
                    self.report.problem(item.label, "deleted from the library since the import")
                else:
                    self.library[item.id] = self.as_library(obj, item)
                self.report.count("media", "skipped")
                continue
            obj = self.import_file(
                item.label,
                url=item.attachment_url,
                relative=item.meta.get("_wp_attached_file", ""),
                title=markup.plain_text(item.title),
                alt=markup.plain_text(item.meta.get("_wp_attachment_image_alt", "")),
                caption=markup.plain_text(item.excerpt),
                description=markup.plain_text(item.content),
                uploaded_at=item.date_gmt,
            )
            if obj is not None:
                self.library[item.id] = self.as_library(obj, item)
                self.record(
                    Kind.ATTACHMENT, item.id, obj, digest(item.attachment_url), "", item.guid
                )

    def as_library(self, obj, item=None):
        if isinstance(obj, Image):
            caption = markup.plain_text(item.excerpt) if item else obj.caption
            return markup.LibraryImage(obj.pk, obj.file.url, obj.alt_text, caption[:500])
        return obj

    def file_bytes(self, label, url, relative):
        path = relative or fetch.upload_path(url)
        try:
            data = fetch.from_media_dir(self.media_dir, path)
            if data is None and self.download and url:
                data = fetch.download(url, timeout=self.timeout)
        except fetch.Unavailable as reason:
            self.report.problem(label, f"file not imported: {reason} ({url[:200]})")
            return None
        if data is None:
            where = "not in --media-dir" if self.media_dir else "no --media-dir given"
            how = "" if self.download else " and downloads are off"
            self.report.problem(label, f"file not imported: {where}{how} ({url[:200] or path})")
        return data

    def import_file(
        self, label, *, url, relative, title, alt, caption="", description="", uploaded_at=None
    ):
        data = self.file_bytes(label, url, relative)
        if data is None:
            return None
        name = (relative or url).rsplit("/", 1)[-1][:100] or "upload"
        kind = detect(io.BytesIO(data))
        is_image = kind is not None and kind.family == IMAGE
        permission = "media.add_image" if is_image else "media.add_document"
        if not self.user.has_perm(permission):
            self.once(label, "you may not add files to the media library: not imported")
            return None
        title = (title or name)[:250]
        try:
            with transaction.atomic():
                if is_image:
                    if not alt:
                        alt = title
                        self.report.problem(
                            label,
                            f"no description (alt text) in WordPress: “{title[:80]}” stands in "
                            "for one; describe the image in the media library",
                        )
                    obj = Image.objects.create(
                        title=title,
                        alt=alt[:250],
                        caption=caption[:500],
                        file=SimpleUploadedFile(name, data),
                        uploaded_by=self.user,
                        uploaded_at=uploaded_at or self.now,
                    )
                else:
                    obj = Document.objects.create(
                        title=title[:300],
                        description=description[:1000],
                        file=SimpleUploadedFile(name, data),
                        uploaded_by=self.user,
                        uploaded_at=uploaded_at or self.now,
                    )
        except ValidationError as refused:
            self.report.problem(label, "file refused: " + " ".join(refused.messages))
            return None
        self.stored_files.append(obj.file.name)
        self.report.count("media", "created")
        return obj

    def image_for(self, item):
        """The body's image lookup for `item`: an address of the old site -> LibraryImage."""

        def lookup(url, alt):
            path = fetch.upload_path(url)
            if not path:
                return None
            attachment_id = self.by_upload_path.get(path) or self.by_upload_path.get(
                _SIZE_SUFFIX.sub("", path)
            )
            if attachment_id is not None:
                found = self.library.get(attachment_id)
                return found if isinstance(found, markup.LibraryImage) else None
            if path not in self.adhoc_images:
                self.adhoc_images[path] = self.adhoc_image(item, url, path, alt)
            return self.adhoc_images[path]

        return lookup

    def adhoc_image(self, item, url, path, alt):
        """An image a body shows from the old site's uploads that is no attachment."""
        key = f"url:{path}"
        record, obj = self.recorded(Kind.ATTACHMENT, key)
        if record is not None:
            return self.as_library(obj) if isinstance(obj, Image) else None
        obj = self.import_file(
            f"image {path} in {item.label}",
            url=url,
            relative=path,
            title=path.rsplit("/", 1)[-1],
            alt=markup.plain_text(alt),
        )
        if not isinstance(obj, Image):
            return None
        self.record(Kind.ATTACHMENT, key, obj, digest(url), "")
        return self.as_library(obj)

    def gallery_for(self, item):
        def images(ids):
            if ids is None:
                ids = [
                    a.id
                    for a in sorted(self.attachments.values(), key=lambda a: (a.menu_order, a.id))
                    if a.parent == item.id
                ]
            found = [self.library.get(i) for i in ids]
            return [i for i in found if isinstance(i, markup.LibraryImage)]

        return images

    # -- posts and pages --------------------------------------------------------------

    def import_item(self, item):
        kind = Kind.POST if item.type == "post" else Kind.PAGE
        counted = "posts" if kind == Kind.POST else "pages"
        if item.status in ("trash", "auto-draft", "inherit"):
            self.report.problem(item.label, f"status “{item.status}” in WordPress: not imported")
            self.report.count(counted, "skipped")
            return
        source_hash = digest(
            {
                "fields": [item.title, item.slug, item.status, item.content, item.excerpt],
                "date": item.date_gmt,
                "creator": item.creator,
                "password": bool(item.password),
                "terms": sorted((t.domain, t.slug) for t in item.terms),
                "thumbnail": item.meta.get("_thumbnail_id", ""),
            }
        )
        record, obj = self.recorded(kind, item.id)
        if record is not None:
            if obj is None:
                self.report.problem(
                    item.label, "deleted in the hub since the import: not re-created"
                )
                self.report.count(counted, "skipped")
                return
            if record.source_hash == source_hash:
                self.report.count(counted, "skipped")
                return
            fingerprint = post_fingerprint(obj) if kind == Kind.POST else page_fingerprint(obj)
            if fingerprint != record.result_hash:
                self.report.problem(
                    item.label,
                    "changed in WordPress, but edited in the hub since the import: not "
                    f"overwritten; compare the two by hand ({obj.get_absolute_url()})",
                )
                self.report.count(counted, "skipped")
                return
        try:
            with transaction.atomic():
                obj = self.save_post(item, obj) if kind == Kind.POST else self.save_page(item, obj)
        except (ValidationError, IntegrityError, workflow.TransitionRefused) as error:
            message = getattr(error, "message", None) or "; ".join(
                getattr(error, "messages", [str(error)])
            )
            self.report.problem(item.label, f"not imported: {message}")
            self.report.count(counted, "skipped")
            return
        if obj is None:
            self.report.count(counted, "skipped")
            return
        self.report.count(counted, "updated" if record is not None else "created")
        # Saved today, but last changed when WordPress says: readers see that date.
        changed = item.modified_gmt or item.date_gmt
        if changed and changed <= self.now:
            type(obj).objects.filter(pk=obj.pk).update(updated_at=changed)
        fingerprint = post_fingerprint(obj) if kind == Kind.POST else page_fingerprint(obj)
        self.record(kind, item.id, obj, source_hash, fingerprint, item.guid)
        if obj.status == "published" or item.status in ("publish", "future"):
            self.add_redirects(item, obj.get_absolute_url())

    def body_and_standfirst(self, item):
        converted = markup.convert(
            item.content,
            base_url=item.link or self.source,
            image_for=self.image_for(item),
            gallery_for=self.gallery_for(item),
        )
        for note in converted.notes:
            self.report.problem(item.label, note)
        standfirst = markup.plain_text(item.excerpt) or markup.first_paragraph(converted.html)
        # A standfirst is required on a post: a post with no words at all shows its title.
        return converted.html, standfirst or markup.plain_text(item.title) or "(untitled)"

    def wants_live(self, item):
        """Whether the item is live (or scheduled) in WordPress and may be so here."""
        if item.status not in ("publish", "future"):
            if item.status == "private":
                self.report.problem(item.label, "private in WordPress: imported as a draft")
            return False
        if item.password:
            self.report.problem(
                item.label,
                "password-protected in WordPress: imported as a draft (the hub has "
                "no passwords on posts)",
            )
            return False
        return True

    def title_of(self, item, max_length):
        title = markup.plain_text(item.title)[:max_length]
        if not title:
            self.report.problem(item.label, "no title in WordPress: “(untitled)” used")
        return title or "(untitled)"

    def save_post(self, item, post):
        is_new = post is None
        if not is_new and not workflow.may_edit(self.user, post):
            self.report.problem(
                item.label, "changed in WordPress, but you may not edit this post: not updated"
            )
            return None
        body, standfirst = self.body_and_standfirst(item)
        wanted_slug = wordpress_slug(item.slug) or slugify(markup.plain_text(item.title))
        slug = _unique_slug(
            wanted_slug,
            lambda s: (
                Post.objects.filter(slug=s, draft_of__isnull=True)
                .exclude(pk=getattr(post, "pk", None))
                .exists()
            ),
            250,
            f"post-{item.id}",
        )
        if wanted_slug and slug != wanted_slug:
            self.report.problem(item.label, f"the address /{wanted_slug}/ was taken: it is {slug}")
        thumbnail = (
            self.library.get(int(item.meta.get("_thumbnail_id", "0") or 0))
            if (item.meta.get("_thumbnail_id", "").isdigit())
            else None
        )
        live = self.wants_live(item)
        if is_new:
            post = Post(created_by=self.user, status=Post.Status.DRAFT)
        post.title = self.title_of(item, 250)
        post.slug = slug
        post.standfirst = standfirst
        post.body = body
        post.hero_image_id = thumbnail.id if isinstance(thumbnail, markup.LibraryImage) else None
        if post.status != Post.Status.PUBLISHED:
            post.published_at = item.date_gmt if live else None
        post.save()
        topics = [
            self.topics[(t.domain, t.slug)] for t in item.terms if (t.domain, t.slug) in self.topics
        ]
        post.topics.set(list(dict.fromkeys(topics)))
        self.set_author(item, post)
        revisions.record_revision(
            post, self.user, "Imported from WordPress." if is_new else "Updated from WordPress."
        )
        self.move_post(item, post, live)
        return post

    def set_author(self, item, post):
        login = self.author_login(item.creator, {a.login for a in self.export.authors})
        person = self.people.get(login)
        if person is None:
            if not login:
                self.once(item.label, f"author “{item.creator[:60]}” is not in the export")
            return
        post.credits.filter(role=Credit.Role.AUTHOR).exclude(person=person).delete()
        Credit.objects.get_or_create(post=post, person=person, role=Credit.Role.AUTHOR)

    def move_post(self, item, post, live):
        if live and post.status != Post.Status.PUBLISHED:
            if self.may_publish:
                workflow.publish(post, self.user, published_at=item.date_gmt or self.now)
            else:
                self.report.problem(
                    item.label,
                    "published in WordPress; imported as a draft, as you may not publish: an "
                    "editor can publish it (its WordPress date is kept)",
                )
        elif live and item.date_gmt and post.published_at != item.date_gmt and self.may_publish:
            workflow.publish(post, self.user, published_at=item.date_gmt)
        elif not live and post.status == Post.Status.PUBLISHED:
            if self.may_publish:
                workflow.unpublish(post, self.user, comment="Unpublished in WordPress.")
            else:
                self.report.problem(
                    item.label, "no longer published in WordPress, but you may not unpublish it"
                )

    def save_page(self, item, page):
        is_new = page is None
        needed = "site.add_page" if is_new else "site.change_page"
        if not self.user.has_perm(needed):
            verb = "add" if is_new else "change"
            self.once("pages", f"you may not {verb} pages: WordPress pages are not imported")
            return None
        body, _standfirst = self.body_and_standfirst(item)
        wanted_slug = wordpress_slug(item.slug) or slugify(markup.plain_text(item.title))
        reserved = reserved_slugs()
        slug = _unique_slug(
            wanted_slug,
            lambda s: (
                s in reserved
                or Page.objects.filter(slug=s).exclude(pk=getattr(page, "pk", None)).exists()
            ),
            100,
            f"page-{item.id}",
        )
        if wanted_slug and slug != wanted_slug:
            self.report.problem(
                item.label, f"the address /{wanted_slug}/ was taken: it is /{slug}/"
            )
        live = self.wants_live(item)
        if is_new:
            page = Page(status=Page.Status.DRAFT)
        page.title = self.title_of(item, 200)
        page.slug = slug
        page.body = body
        page.last_edited_by = self.user
        if live and not self.may_publish:
            if page.status != Page.Status.PUBLISHED:
                self.report.problem(
                    item.label,
                    "published in WordPress; imported as a draft, as you may not publish",
                )
        elif live:
            page.status = Page.Status.PUBLISHED
            page.published_at = item.date_gmt or self.now
        elif page.status == Page.Status.PUBLISHED and self.may_publish:
            page.status = Page.Status.DRAFT
        page.full_clean()
        with reversion.create_revision():
            page.save()
            reversion.set_user(self.user)
            reversion.set_comment(
                "Imported from WordPress." if is_new else "Updated from WordPress."
            )
        return page

    # -- old addresses ----------------------------------------------------------------

    def add_redirects(self, item, target):
        query_key = "p" if item.type == "post" else "page_id"
        # Not the guid: its ?p= may carry the id of the site the post was first written on.
        addresses = [item.link, f"/?{query_key}={item.id}"]
        done = set()
        for address in addresses:
            try:
                path, query = split_old_address(address)
            except ValidationError:
                continue
            if (path, query) in done or (path == target and not query):
                continue
            done.add((path, query))
            self.add_redirect(item, path, query, target)

    def add_redirect(self, item, path, query, target):
        address = f"{path}?{query}" if query else path
        existing = Redirect.objects.filter(old_path=path, old_query=query).first()
        record, ours = self.recorded(Kind.REDIRECT, address)
        if existing is not None:
            if existing.target == target:
                self.report.count("redirects", "skipped")
                return
            if (
                ours is not None
                and ours.pk == existing.pk
                and record.result_hash == digest(existing.target)
            ):
                existing.target = target
            else:
                self.report.problem(
                    item.label,
                    f"{address} already redirects to {existing.target} (set in the hub): left "
                    "as it is",
                )
                self.report.count("redirects", "skipped")
                return
            redirect, outcome = existing, "updated"
        elif not self.user.has_perm("site.add_redirect"):
            self.once("redirects", "you may not add redirects: old WordPress addresses will 404")
            return
        else:
            redirect = Redirect(
                old_path=path,
                old_query=query,
                target=target,
                status_code=Redirect.Kind.PERMANENT,
                note=f"WordPress {item.type} {item.id}"[:300],
            )
            outcome = "created"
        try:
            with transaction.atomic():
                redirect.full_clean()
                redirect.save()
        except (ValidationError, IntegrityError) as error:
            messages = getattr(error, "messages", [str(error)])
            self.report.problem(item.label, f"no redirect from {address}: {' '.join(messages)}")
            return
        self.report.count("redirects", outcome)
        self.record(Kind.REDIRECT, address, redirect, digest(address), digest(target))

    # -- what the hub has no place for ------------------------------------------------

    def report_not_carried_over(self):
        others = Counter(
            i.type for i in self.export.items if i.type not in ("post", "page", "attachment")
        )
        menus = others.pop("nav_menu_item", 0)
        if menus:
            self.report.problem(
                "menus",
                f"{menus} menu items not carried over: build the hub's menus under Site "
                "settings (header and footer links)",
            )
        for kind, n in sorted(others.items()):
            self.report.problem(f"“{kind}” items", f"{n} not carried over (no such thing here)")
        for item in self.export.items:
            if item.comments:
                self.report.problem(
                    item.label,
                    f"{item.comments} comment{'s' if item.comments != 1 else ''} not carried "
                    "over (the hub has no comments)",
                )
