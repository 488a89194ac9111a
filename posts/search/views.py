from django.http import Http404
from django.shortcuts import render

from posts import archive
from posts.models import Post
from posts.search import search as run_search
from posts.search.forms import SearchForm

RESULTS_PER_PAGE = 10
POPULAR_TOPICS = 12
RECENT_POSTS = 5


def search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "posts/search.html", {"form": form}, status=400)
    query = form.cleaned_data["q"]
    context = {"form": form, "search_query": query}
    if not query:
        # Nothing asked yet: offer ways in instead of an empty page.
        by_use = sorted(archive.topics(request), key=lambda t: (-t.post_count, t.name))
        context["popular_topics"] = by_use[:POPULAR_TOPICS]
        context["recent_posts"] = Post.objects.published().with_card_data()[:RECENT_POSTS]
        return render(request, "posts/search.html", context)
    results = run_search(
        query,
        topic=form.cleaned_data["topic"],
        year=form.cleaned_data["year"],
        page=form.cleaned_data["page"] or 1,
        per_page=RESULTS_PER_PAGE,
    )
    if results.page > results.num_pages:
        raise Http404("There are fewer pages of results.")
    context["results"] = results
    return render(request, "posts/search.html", context)
