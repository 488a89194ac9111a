"""Small handmade WordPress exports (WXR 1.2) for the importer's edge cases."""

from xml.sax.saxutils import escape

SITE = "https://old.example.org"


def cdata(text):
    # "]]>" cannot appear inside CDATA; WordPress splits it the same way.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def item(
    post_id,
    title="A post",
    *,
    type="post",
    status="publish",
    slug=None,
    content="<p>Some words.</p>",
    excerpt="",
    date="2021-03-04 10:00:00",
    modified=None,
    creator="alice",
    terms=(),
    meta=None,
    attachment_url="",
    parent=0,
    link=None,
    comments=0,
):
    slug = slug if slug is not None else f"post-{post_id}"
    link = link or f"{SITE}/2021/03/{slug}/"
    metas = "".join(
        f"<wp:postmeta><wp:meta_key>{escape(k)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(v)}</wp:meta_value></wp:postmeta>"
        for k, v in (meta or {}).items()
    )
    categories = "".join(
        f'<category domain="{domain}" nicename="{escape(nice)}">{cdata(name)}</category>'
        for domain, nice, name in terms
    )
    comment_xml = "".join(
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id>"
        f"<wp:comment_content>{cdata('Nice post')}</wp:comment_content></wp:comment>"
        for n in range(comments)
    )
    return f"""<item>
<title>{escape(title)}</title>
<link>{escape(link)}</link>
<pubDate>Thu, 04 Mar 2021 10:00:00 +0000</pubDate>
<dc:creator>{cdata(creator)}</dc:creator>
<guid isPermaLink="false">{SITE}/?p={post_id}</guid>
<description></description>
<content:encoded>{cdata(content)}</content:encoded>
<excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>
<wp:post_id>{post_id}</wp:post_id>
<wp:post_date>{date}</wp:post_date>
<wp:post_date_gmt>{date}</wp:post_date_gmt>
<wp:post_modified_gmt>{modified or date}</wp:post_modified_gmt>
<wp:post_name>{cdata(slug)}</wp:post_name>
<wp:status>{status}</wp:status>
<wp:post_parent>{parent}</wp:post_parent>
<wp:menu_order>0</wp:menu_order>
<wp:post_type>{type}</wp:post_type>
<wp:post_password></wp:post_password>
<wp:is_sticky>0</wp:is_sticky>
{f"<wp:attachment_url>{escape(attachment_url)}</wp:attachment_url>" if attachment_url else ""}
{categories}{metas}{comment_xml}
</item>"""


def attachment(post_id, path, *, title="A photo", alt="", caption="", parent=0):
    return item(
        post_id,
        title,
        type="attachment",
        status="inherit",
        slug=f"attachment-{post_id}",
        content="",
        excerpt=caption,
        attachment_url=f"{SITE}/wp-content/uploads/{path}",
        meta={"_wp_attached_file": path, "_wp_attachment_image_alt": alt},
        parent=parent,
    )


def export(*items, authors=None, categories=(("news", "News"),), tags=(("housing", "Housing"),)):
    authors = authors if authors is not None else [("alice", "alice@example.org", "Alice Ames")]
    author_xml = "".join(
        f"<wp:author><wp:author_login>{cdata(login)}</wp:author_login>"
        f"<wp:author_email>{cdata(email)}</wp:author_email>"
        f"<wp:author_display_name>{cdata(name)}</wp:author_display_name>"
        "<wp:author_first_name></wp:author_first_name><wp:author_last_name></wp:author_last_name>"
        "</wp:author>"
        for login, email, name in authors
    )
    category_xml = "".join(
        f"<wp:category><wp:category_nicename>{cdata(s)}</wp:category_nicename>"
        f"<wp:category_parent></wp:category_parent><wp:cat_name>{cdata(n)}</wp:cat_name>"
        "</wp:category>"
        for s, n in categories
    )
    tag_xml = "".join(
        f"<wp:tag><wp:tag_slug>{cdata(s)}</wp:tag_slug><wp:tag_name>{cdata(n)}</wp:tag_name></wp:tag>"
        for s, n in tags
    )
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Old Example</title>
<link>{SITE}</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>{SITE}</wp:base_site_url>
{author_xml}{category_xml}{tag_xml}
{"".join(items)}
</channel>
</rss>
"""
