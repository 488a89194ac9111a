"""Link text that promises a link and has none, and deadlines that have passed, on
phrases taken word for word from the organisation's posts
(/work/shared/seed/flse-blog-posts.txt) and the demo content made from them."""

import datetime

import pytest
from django.core.management import call_command

from posts.linkcheck import extract

TODAY = datetime.date(2026, 11, 30)

# Seed, "Employing people with lived experience": the toolkit link was lost in the copy.
TOOLKIT = (
    "<p>For those who are interested in Fulfilling Lives’ learning about employing people "
    "with lived experience of multiple complex needs such as my myself, we have created an "
    "employment toolkit which is available to download here:</p>"
    "<p>For more information about Citrus Ornge and their social mission</p>"
)
# Seed, "Clinical supervision": the same words, with the link the demo content restored.
READ_MORE_LINKED = (
    '<p>Read more here: <a href="https://www.bht.org.uk/wp-content/uploads/2022/06/'
    'PP_clinicalsup_FINAL_21062022.pdf">how clinical supervision has supported our '
    "Practice Development team (PDF)</a>.</p>"
)
# Seed, "Getting published": "available at" followed by a DOI in the text is not dangling.
AVAILABLE_AT_DOI = (
    "<p>a case study on improving unsupported temporary accommodation (the full article is "
    "available at ref: DOI 10.1108/HCS-12-2021-0043).</p>"
)
# Seed, "Employing People with Lived Experience of Multiple and Complex Needs".
BY_FIRST_JUNE = (
    "<p>If you are an employer and would like to discuss this further or have some support "
    "around employing people with lived experience of MCN and how to do it well, then please "
    "get in touch at the contact email below by 1st June 2022. We’d be more than happy to "
    "help!</p>"
)


def issues(html, today=TODAY):
    return [(i.kind, i.date) for i in extract.text_issues(html, today)]


def test_available_to_download_here_with_nothing_after_is_dangling():
    [issue] = extract.text_issues(TOOLKIT, TODAY)
    assert issue.kind == "dangling"
    assert issue.excerpt.endswith("employment toolkit which is available to download here:")


def test_read_more_here_followed_by_its_link_is_fine():
    assert issues(READ_MORE_LINKED) == []


def test_a_phrase_at_the_end_of_a_block_is_answered_by_a_link_in_the_next():
    html = (
        '<p>Find the reports here:</p><ul><li><a href="https://example.org/r">Report</a></li></ul>'
    )
    assert issues(html) == []


def test_available_at_followed_by_a_doi_or_address_in_the_text_is_fine():
    assert issues(AVAILABLE_AT_DOI) == []
    assert issues("<p>The report is available at https://example.org/report.pdf</p>") == []


def test_click_here_as_the_link_itself_is_not_dangling_but_alone_it_is():
    assert issues('<p>To sign up <a href="https://example.org">click here</a>.</p>') == []
    assert issues("<p>To sign up click here.</p>") == [("dangling", None)]


def test_the_seed_deadline_has_passed_and_is_flagged_with_its_date():
    [issue] = extract.text_issues(BY_FIRST_JUNE, TODAY)
    assert (issue.kind, issue.date) == ("deadline", datetime.date(2022, 6, 1))
    assert "by 1st June 2022" in issue.excerpt


def test_a_deadline_still_to_come_is_not_flagged():
    assert issues(BY_FIRST_JUNE, today=datetime.date(2022, 5, 31)) == []


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("Deadline: 30 May 2023.", datetime.date(2023, 5, 30)),
        ("The consultation closes on Friday 3 March 2023.", datetime.date(2023, 3, 3)),
        ("Closing date 01/02/2023, midday.", datetime.date(2023, 2, 1)),
        ("Please reply no later than June 5, 2024.", datetime.date(2024, 6, 5)),
        ("Apply by the 12th of January 2021", datetime.date(2021, 1, 12)),
    ],
)
def test_deadline_wordings(text, when):
    assert issues(f"<p>{text}</p>") == [("deadline", when)]


@pytest.mark.parametrize(
    "text",
    [
        "First published online 15th February 2022, this paper presents research.",
        "Since it began in November 2021, the Hub has seen 47 different women.",
        "by 31 June 2022",  # no such day
        "by June 2022",  # no day: not precise enough to call it a passed deadline
    ],
)
def test_dates_that_are_not_deadlines_are_left_alone(text):
    assert issues(f"<p>{text}</p>") == []


@pytest.mark.django_db
def test_the_demo_posts_give_the_seed_deadline_and_the_doi_in_their_text():
    from posts.linkcheck import services
    from posts.linkcheck.models import Link, TextIssue

    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    services.collect(today=TODAY)

    deadline = TextIssue.objects.get(kind=TextIssue.Kind.PAST_DEADLINE, date="2022-06-01")
    assert deadline.object_label.startswith("Employing People with Lived Experience")
    doi = Link.objects.get(kind=Link.Kind.DOI, target="10.1108/HCS-12-2021-0043")
    assert {use.place for use in doi.uses.all()} >= {"body"}
    pdf = Link.objects.get(
        target="https://www.bht.org.uk/wp-content/uploads/2022/06/PP_clinicalsup_FINAL_21062022.pdf"
    )
    assert pdf.uses.get(place="body").text.startswith("how clinical supervision")
    assert pdf.uses.filter(place__startswith="resource").exists()
    assert not TextIssue.objects.filter(kind=TextIssue.Kind.DANGLING).exists()
