"""Waiting for the page itself, under the site's CSP.

Playwright's `wait_for_function` polls a string predicate with `eval` inside the page once
its first try is false, and `script-src 'self'` refuses that: such a wait passes on a fast
machine and fails on a slow one. These waits run as one `evaluate` of a function instead.
"""

# Brings each image into view in turn (a lazy one loads only then) and awaits it in the
# page; gives up after 30 s.
ALL_IMAGES_LOADED = """
async () => {
  const loaded = (img) => img.complete ? null :
    new Promise((resolve) => { img.onload = img.onerror = resolve; });
  const all = (async () => {
    for (const img of document.images) { img.scrollIntoView(); await loaded(img); }
  })();
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 30000))]);
  window.scrollTo(0, 0);
  return [...document.images].every((img) => img.complete && img.naturalWidth > 0);
}
"""


def all_images_loaded(page):
    """True once every image on the page has loaded and has pixels (False after 30 s)."""
    return page.evaluate(ALL_IMAGES_LOADED)
