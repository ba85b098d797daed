// The age filter (issue 5) on the listings that hold every exercise: filters the cards in place.
// Its own file (issue 23: page weight): only the pages with the filter load it. It starts once the
// page is parsed: site.js, which holds the page's words, has run by then.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var words = window.siteWords;  // without them (a theme's own site.js), the links still work
  if (!words) return;
  var _ = words._;
  var ngettext = words.ngettext;
  // The age filter (issue 5) works as links to the age pages; when every exercise is on this page
  // (data-filter), filter the cards in place instead: no page load on a slow connection.
  (function () {
    var cards = document.querySelector(".cards[data-filter]");
    var filter = document.querySelector(".age-filter");
    if (!cards || !filter || !window.history.pushState) return;
    var links = filter.querySelectorAll("a[data-band]");
    var status = filter.querySelector("[data-filter-status]");
    var title = document.title;
    function apply(band) {
      var shown = 0;
      cards.querySelectorAll(".card").forEach(function (card) {
        var bands = (card.dataset.bands || "").split(" ");
        card.hidden = band !== "" && bands.indexOf(band) < 0;
        if (!card.hidden) shown += 1;
      });
      var label = "";
      links.forEach(function (link) {
        var current = link.dataset.band === band;
        if (current) label = link.textContent;
        if (current) link.setAttribute("aria-current", band ? "page" : "true");
        else link.removeAttribute("aria-current");
      });
      document.title = band ? _("Exercises for %(ages)s", { ages: label }) + " · " + title : title;
      if (status) {
        status.textContent = band ? ngettext("%(num)s exercise for %(ages)s.", "%(num)s exercises for %(ages)s.",
                                             shown, { ages: label })
          : _("Showing exercises for all ages.");
      }
    }
    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        apply(link.dataset.band);
        window.history.pushState({ band: link.dataset.band }, "", link.href);
      });
    });
    window.addEventListener("popstate", function (event) {
      apply(event.state && event.state.band ? event.state.band : "");
    });
  })();
});
