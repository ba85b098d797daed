// The search page (issue 5): Pagefind's index, written into the site at build time, searched in this
// browser. Every file comes from this site; the words typed are sent nowhere. Without this script
// (or where the index cannot load, as from a file on disk) the page keeps its links to browse by.
// It starts once the page is parsed: site.js, which holds the page's words, has run by then.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.querySelector("form[data-search]");
  var words = window.siteWords;  // without them (a theme's own site.js), the page keeps its links
  if (!form || !words) return;
  var input = form.querySelector("input[name=q]");
  var status = document.querySelector("[data-search-status]");
  var list = document.querySelector("[data-search-results]");
  var noScript = document.querySelector("[data-search-no-js]");
  var SHOWN = 20;
  var loading = null;
  var latest = 0;
  var waiting = null;

  function load() {
    if (!loading) {
      loading = import(form.dataset.bundle + "pagefind.js").then(function (pagefind) {
        return Promise.resolve(pagefind.options({ baseUrl: form.dataset.base, excerptLength: 24 }))
          .then(function () { return pagefind; });
      });
    }
    return loading;
  }

  // Pagefind's excerpt is HTML with <mark> around the words found: keep the text and the marks only.
  function excerpt(html) {
    var paragraph = document.createElement("p");
    var parsed = new DOMParser().parseFromString("<body>" + html, "text/html");
    parsed.body.childNodes.forEach(function (node) {
      var part = node.nodeName === "MARK" ? document.createElement("mark") : null;
      if (part) part.textContent = node.textContent;
      paragraph.append(part || document.createTextNode(node.textContent));
    });
    return paragraph;
  }

  function item(result) {
    var entry = document.createElement("li");
    var link = document.createElement("a");
    link.href = result.url;
    link.textContent = (result.meta && result.meta.title) || result.url;
    entry.append(link, excerpt(result.excerpt || ""));
    return entry;
  }

  function report(query, total, shown) {
    if (total === 0) return words._("No exercise matches “%(query)s”. Try another word, or browse below.", { query: query });
    if (total > shown) {
      return words.ngettext("%(num)s exercise matches “%(query)s”; here are the first %(shown)s.",
                            "%(num)s exercises match “%(query)s”; here are the first %(shown)s.", total,
                            { query: query, shown: shown });
    }
    return words.ngettext("%(num)s exercise matches “%(query)s”.", "%(num)s exercises match “%(query)s”.", total,
                          { query: query });
  }

  function run(query) {
    var id = ++latest;
    query = query.trim();
    if (!query) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    status.textContent = words._("Searching…");
    load()
      .then(function (pagefind) { return pagefind.search(query); })
      .then(function (search) {
        var top = search.results.slice(0, SHOWN);
        // Offline (issue 23), a result whose words this device never fetched is left out.
        return Promise.all(top.map(function (result) {
          return result.data().catch(function () { return null; });
        })).then(function (data) {
          if (id !== latest) return;
          data = data.filter(Boolean);
          if (top.length && !data.length) throw new Error("no result could load");
          list.replaceChildren.apply(list, data.map(item));
          status.textContent = report(query, data.length < top.length ? data.length : search.results.length, data.length);
        });
      })
      .catch(function () {
        if (id !== latest) return;
        status.textContent = navigator.onLine === false
          ? words._("Search works offline once it has been used here with a connection. Browse the exercises below instead.")
          : words._("Search is not available here. Browse the exercises below instead.");
      });
  }

  function remember(query) {
    var url = new URL(window.location.href);
    if (query.trim()) url.searchParams.set("q", query.trim());
    else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(waiting);
    remember(input.value);
    run(input.value);
  });
  input.addEventListener("input", function () {
    window.clearTimeout(waiting);
    waiting = window.setTimeout(function () {
      remember(input.value);
      run(input.value);
    }, 300);
  });

  form.hidden = false;
  if (noScript) noScript.hidden = true;
  var initial = new URLSearchParams(window.location.search).get("q") || "";
  if (initial) {
    input.value = initial;
    run(initial);
  }
});
