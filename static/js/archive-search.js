// The static archive's search page (templates/archive/search.html): the query in the
// address (?q=) is looked up in Pagefind's index, built by manage.py export_static into
// pagefind/ at the archive's root, and listed with the live site's result markup.
// Every address is relative to this file, so the archive works from any folder.
(function () {
  "use strict";
  var script = document.currentScript;
  var box = document.querySelector("[data-archive-search]");
  if (!script || !box) return;
  var root = new URL("../../", script.src);
  var status = box.querySelector("[data-archive-search-status]");
  var list = box.querySelector("[data-archive-search-hits]");
  var input = document.getElementById("search-q");
  var query = (new URLSearchParams(location.search).get("q") || "").trim().slice(0, 500);
  if (!query) return;
  input.value = query;

  // Pagefind's excerpt is HTML with <mark> around matches: parse it in an inert
  // document and copy only its text and marks, so nothing in it can run.
  function excerpt(html) {
    var p = document.createElement("p");
    p.className = "search-hit__snippet";
    var parsed = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html").body;
    parsed.firstChild.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function show(results) {
    status.textContent = results.length === 1 ? "1 result found" : results.length + " results found";
    results.forEach(function (result) {
      var item = document.createElement("li");
      item.className = "search-hit";
      var heading = document.createElement("h2");
      heading.className = "search-hit__title";
      var link = document.createElement("a");
      link.href = new URL(result.url, root).href;
      link.textContent = (result.meta && result.meta.title) || result.url;
      heading.appendChild(link);
      item.appendChild(heading);
      item.appendChild(excerpt(result.excerpt || ""));
      list.appendChild(item);
    });
  }

  status.textContent = "Searching…";
  import(new URL("pagefind/pagefind.js", root).href)
    .then(function (pagefind) {
      // Result addresses start from the archive's folder, wherever it is served.
      return pagefind.options({ baseUrl: root.pathname }).then(function () {
        return pagefind.search(query);
      });
    })
    .then(function (search) {
      return Promise.all(search.results.slice(0, 50).map(function (r) { return r.data(); }));
    })
    .then(show)
    .catch(function () {
      status.textContent = location.protocol === "file:"
        ? "Search needs the archive to be served by a web server: opened straight from the disk, the browser does not let it read its index. Browse the topics or all posts instead."
        : "Search could not be loaded. Browse the topics or all posts instead.";
    });
})();
