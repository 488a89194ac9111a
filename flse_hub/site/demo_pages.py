"""The demo site's own pages: About us, Contact, Accessibility statement, Privacy notice.

Loaded once with the demo posts (`manage.py load_demo_content`), remembered as the
"pages" demo load. What the seed posts say about the organisation is used as it
stands; contact and company details the seed does not give are marked
[placeholder] so nobody mistakes them for real ones before launch.
"""

from django.db import transaction
from django.utils import timezone

from flse_hub.site.models import DemoContentLoad, Page

DEMO_NAME = "pages"

ABOUT = """
<p>Fulfilling Lives South East (FLSE) was an eight-year project, based at BHT Sussex,
supporting people experiencing multiple and complex needs (MCN): people whose lives are
shaped by a mix of homelessness, problems with drugs or alcohol, mental ill health and
contact with the criminal justice system, often all at once.</p>
<p>It was one of 12 partnerships across England funded by the National Lottery Community
Fund to do three things: give intensive support to people facing multiple and complex
needs, involve people with lived experience at every level, and challenge and change the
systems that let them down.</p>
<h2>What we did</h2>
<ul>
<li>Worked alongside people in Brighton and Hove, Eastbourne and Hastings, and with the
services around them: housing, drug and alcohol, mental health and health services.</li>
<li>Co-produced our work from the first day with people who have lived experience of
multiple and complex needs, through our lived experience groups, volunteers and
staff.</li>
<li>Employed people with lived experience and supported them in their work and
recovery, and shared what we learned in a toolkit for employers.</li>
<li>Brought services together: joint working between mental health and substance misuse
services, multiagency meetings, training for housing staff, and mystery shopping of
services by people who use them.</li>
<li>Published our research, including on clinical supervision for frontline
workers.</li>
</ul>
<h2>This learning hub</h2>
<p>As the project draws to a close, we want to share what we have learned along the way.
The posts on this site are written by our team, our volunteers and our partners for
frontline workers, commissioners, researchers and anyone with lived experience. They
stay here, with stable addresses, so they can be read and cited after the project
ends.</p>
<p>You can <a href="/posts/">read every post</a>, <a href="/topics/">browse them by
topic</a>, or <a href="/newsletter/">sign up for our newsletter</a>.</p>
"""

CONTACT = """
<p>We would like to hear from you, whether you have a question about a post, want to use
our learning in your own work, or want to tell us about a problem with this site.</p>
<h2>How to get in touch</h2>
<ul>
<li>Email: [placeholder: the project's contact email address]</li>
<li>Phone: [placeholder: the project's phone number and the hours it is answered]</li>
<li>Post: Fulfilling Lives South East, BHT Sussex, [placeholder: postal address]</li>
</ul>
<p>We aim to reply within 10 working days. If your question is about a particular post,
please tell us its title or web address.</p>
<h2>If you need help now</h2>
<p>We cannot give advice or support to individuals through this site. If you are in
crisis, call NHS 111 (choose the mental health option), contact Samaritans free on 116
123 at any time, or call 999 in an emergency.</p>
<h2>Other ways to hear from us</h2>
<p><a href="/newsletter/">Sign up for our newsletter</a> to hear about new posts by
email. You can leave at any time with the link in every email.</p>
"""

ACCESSIBILITY = """
<p>This statement applies to the FLSE Learning Hub, this website. It is run by
Fulfilling Lives South East. We want as many people as possible to be able to use it.
You should be able to:</p>
<ul>
<li>zoom in up to 400% and read every page on a phone or a desktop without the text
spilling off the screen;</li>
<li>use the whole site with a keyboard alone, and see where you are on the page;</li>
<li>use it with a screen reader, finding your way by headings and landmarks;</li>
<li>use it with JavaScript turned off, including search and signing up for the
newsletter;</li>
<li>leave a post about a sensitive subject quickly with its "Exit this page"
button.</li>
</ul>
<p>We have also tried to write plainly.</p>
<h2>How accessible this website is</h2>
<p>We believe the public pages meet the Web Content Accessibility Guidelines (WCAG) 2.2
at level AA. We know of these limits:</p>
<ul>
<li>Some older posts link to documents, such as PDF reports, written by us or by other
organisations before this site. They may not be fully accessible. Ask us for a
different format (see below).</li>
<li>The "Cite this post" downloads (BibTeX and RIS) are files for reference managers,
not for reading.</li>
<li>The staff editing area of the site has not been tested to the same standard.</li>
</ul>
<h2>How we tested this website</h2>
<p>Every public kind of page (home page, post list, a post, topics, a person, search,
the newsletter pages, these pages and the "page not found" page) is checked
automatically each time the site changes:</p>
<ul>
<li>with the axe accessibility checker in the Chromium browser, at a desktop width of
1280 pixels and a narrow phone width of 320 pixels;</li>
<li>for use with a keyboard alone: every link and control can be reached in a sensible
order, with a visible focus outline, and the "skip to main content" link works;</li>
<li>for the landmarks and headings a screen reader uses to move around: one main heading
per page, a header, navigation, main content and footer;</li>
<li>with JavaScript turned off;</li>
<li>with the Nu HTML Checker, for valid HTML.</li>
</ul>
<p>Automated checks do not find every problem. [placeholder: date] is when we last
checked the site by hand with a screen reader; we plan to repeat that each year.</p>
<h2>Feedback and reporting a problem</h2>
<p>If you find a problem not listed here, or need something on this site in a different
format such as large print, easy read or audio, please tell us through our
<a href="/contact/">contact page</a>. Tell us the web address of the page and what went
wrong. We will reply within 5 working days, and aim to fix the problem or give you the
information another way within 20 working days.</p>
<h2>Enforcement procedure</h2>
<p>The Equality and Human Rights Commission (EHRC) is responsible for enforcing
accessibility rules in England, Scotland and Wales. In Northern Ireland it is the
Equality Commission for Northern Ireland (ECNI). If you are not happy with how we
respond to your complaint, contact the
<a href="https://www.equalityadvisoryservice.com/">Equality Advisory and Support Service
(EASS)</a>, or in Northern Ireland the
<a href="https://www.equalityni.org/Home">Equality Commission for Northern
Ireland</a>.</p>
<h2>Preparation of this statement</h2>
<p>This statement was prepared on [placeholder: date of launch]. It is reviewed whenever
the site changes in a way that affects accessibility, and at least once a year.</p>
"""

PRIVACY = """
<p>This notice explains what personal information the FLSE Learning Hub website collects,
why, how long we keep it and your rights. We collect as little as we can.</p>
<h2>Who we are</h2>
<p>The data controller is [placeholder: the organisation's legal name, e.g. BHT Sussex,
which hosts Fulfilling Lives South East], [placeholder: registered address], registered
charity number [placeholder], company number [placeholder]. You can contact us about
your data at [placeholder: privacy contact email address].</p>
<h2>Our newsletter</h2>
<p>If you sign up for our newsletter we keep:</p>
<ul>
<li>your email address;</li>
<li>your name and the topics you chose, if you gave them (both are optional);</li>
<li>a record of your consent: when you signed up, the version of the words you agreed
to, the page you signed up on, and when you confirmed from your inbox;</li>
<li>when we sent you emails about your subscription and each newsletter, and whether
sending failed or a mail server told us your address no longer works (after repeated
failures we stop sending to it).</li>
</ul>
<p>We use it only to send you the newsletter you asked for, about the topics you chose.
We never sell it or share it with anyone else.</p>
<p>Our newsletter has no tracking: no hidden images, and its links go straight to the
pages they name. We cannot tell whether or when you open it, or which links you
follow.</p>
<p>Our lawful basis is your consent (UK GDPR Article 6(1)(a)). You give it by signing up
and then confirming with the link we email you; nothing is sent until you confirm. You
can withdraw it at any time with the unsubscribe link in every email.</p>
<h2>How long we keep it</h2>
<ul>
<li>While you are subscribed, we keep your details so we can send the newsletter.</li>
<li>If you unsubscribe, we stop sending at once and keep your email address, your
consent record and the date you left, so that we can show you consented and that we
respected your choice. Ask us and we will erase them.</li>
<li>If you sign up but never confirm, your confirmation link stops working after 7 days;
we keep the request until you or we erase it.</li>
<li>When we erase your details, we delete them all and keep only a scrambled code made
from your email address, from which the address cannot be read back. It stops your
address being added to our list again by mistake. If you sign up again and confirm,
that code is removed.</li>
</ul>
<h2>When you visit the site</h2>
<p>Reading the site sets no cookies and uses no tracking or advertising tools. The site
does not record who reads what.</p>
<p>Like every website, our web server sees your device's internet (IP) address with each
request. We count sign-ups from each address for up to one hour to stop automated
abuse, then the count is forgotten; it is not kept with your details. Our hosting
provider keeps server logs (addresses, pages asked for and times) for [placeholder:
number] days to keep the site secure and working.</p>
<p>Staff who sign in to edit the site get a cookie that keeps them signed in, and failed
sign-in attempts are recorded with the address they came from, to stop people guessing
passwords.</p>
<h2>Who processes it for us</h2>
<ul>
<li>Our email provider, [placeholder: name of the email sending service], sends the
newsletter and the emails about your subscription.</li>
<li>Our hosting provider, [placeholder: name of the hosting company], runs the server the
site and its database are on, in [placeholder: country].</li>
</ul>
<p>They act only on our instructions, under contracts that require them to keep your
data safe.</p>
<h2>Your rights</h2>
<p>You have the right to:</p>
<ul>
<li>ask for a copy of the information we hold about you (access);</li>
<li>have it corrected if it is wrong; you can change your name and topics yourself with
the link in any newsletter email;</li>
<li>have it erased;</li>
<li>withdraw your consent at any time, with the unsubscribe link in every email;</li>
<li>object to how we use it, or ask us to restrict it.</li>
</ul>
<p>To use any of these rights, contact us (see "Who we are"). We will reply within one
month.</p>
<h2>How to complain</h2>
<p>If you are unhappy with how we have used your data, please tell us first. You can also
complain to the Information Commissioner's Office (ICO), Wycliffe House, Water Lane,
Wilmslow, Cheshire SK9 5AF, helpline 0303 123 1113, or online at
<a href="https://ico.org.uk/make-a-complaint/">ico.org.uk/make-a-complaint</a>.</p>
"""

PAGES = [
    {
        "slug": "about",
        "title": "About us",
        "body": ABOUT,
        "seo_description": "Fulfilling Lives South East: an eight-year National Lottery "
        "Community Fund project on multiple and complex needs, and the learning it shares.",
    },
    {
        "slug": "contact",
        "title": "Contact us",
        "body": CONTACT,
        "seo_description": "How to get in touch with Fulfilling Lives South East.",
    },
    {
        "slug": "accessibility",
        "title": "Accessibility statement",
        "body": ACCESSIBILITY,
        "seo_description": "How accessible the FLSE Learning Hub is, how we tested it, its "
        "known limits and how to report a problem.",
    },
    {
        "slug": "privacy",
        "title": "Privacy notice",
        "body": PRIVACY,
        "seo_description": "What the FLSE Learning Hub collects when you sign up for the "
        "newsletter or visit the site, why, how long we keep it and your rights.",
    },
]


@transaction.atomic
def load(*, force=False):
    """Add the demo pages, once; returns a sentence saying what happened.

    A page whose slug is taken is left alone, except a privacy notice no person has
    edited (the one the migration carried over from the old notice): the fuller demo
    notice replaces it. --force adds the pages staff deleted back.
    """
    now = timezone.now()
    if not force:
        earlier = DemoContentLoad.objects.filter(name=DEMO_NAME).first()
        if earlier is not None:
            return f"Demo pages: already loaded on {earlier.loaded_at:%Y-%m-%d %H:%M} UTC."
    DemoContentLoad.objects.update_or_create(name=DEMO_NAME, defaults={"loaded_at": now})
    added, replaced = [], []
    for row in PAGES:
        body = " ".join(row["body"].split())
        page = Page.objects.filter(slug=row["slug"]).first()
        if page is None:
            page = Page(slug=row["slug"])
            added.append(row["slug"])
        elif page.last_edited_by_id is None and row["slug"] == "privacy":
            replaced.append(row["slug"])
        else:
            continue
        page.title = row["title"]
        page.body = body
        page.seo_description = row["seo_description"]
        page.status = Page.Status.PUBLISHED
        page.published_at = page.published_at or now
        page.save()
    return (
        f"Demo pages: {len(added)} added ({', '.join(added) or 'none'}), "
        f"{len(replaced)} replaced ({', '.join(replaced) or 'none'})."
    )
