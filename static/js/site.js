// Progressive enhancement only: every page reads fully without this file.
// Nothing here contacts another host unless the reader clicks (video facade).
(function () {
  "use strict";
  // The page's words (issue 21): base.html gives this language's translations of the messages
  // marked _() and ngettext() below (make catalogs extracts them); English pages need none.
  var lang = document.documentElement.lang || undefined;
  var strings = readStrings();
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var numbers = window.Intl ? new Intl.NumberFormat(lang) : null;

  function readStrings() {
    var island = document.getElementById("strings");
    try {
      return island ? JSON.parse(island.textContent) : {};
    } catch (error) {
      return {};  // a broken island leaves the English source: words, never an error
    }
  }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }
  function _(message, values) {
    var found = strings[message];
    return fill(typeof found === "string" ? found : message, values);
  }
  function ngettext(singular, plural, n, values) {
    var forms = strings[singular];
    var text = n === 1 ? singular : plural;
    if (forms && typeof forms === "object") text = forms[plurals ? plurals.select(n) : "other"] || forms.other || text;
    return fill(text, Object.assign({ num: numbers ? numbers.format(n) : n }, values));
  }
  window.siteWords = { _: _, ngettext: ngettext };  // search.js says its words with these too

  (function () {
    document.querySelectorAll(".video-facade[data-youtube]").forEach(function (facade) {
      var link = facade.querySelector("a.button");
      if (!link) return;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var frame = document.createElement("iframe");
        frame.src = "https://www.youtube-nocookie.com/embed/" + encodeURIComponent(facade.dataset.youtube) + "?autoplay=1";
        frame.title = facade.dataset.title || _("Video");
        frame.width = "560";
        frame.height = "315";
        frame.allow = "autoplay; encrypted-media; picture-in-picture";
        frame.setAttribute("allowfullscreen", "");
        frame.style.width = "100%";
        frame.style.aspectRatio = "16 / 9";
        frame.style.height = "auto";
        facade.replaceChildren(frame);
        frame.focus();
      });
    });
  })();

  // Sharing (issue 5): the links in the page need no script; these two buttons appear only where the
  // browser can do what they say (the native share sheet; the clipboard, which needs a secure page).
  (function () {
    function say(button, text) {
      var status = button.closest(".share").querySelector("[data-share-status]");
      if (status) status.textContent = text;
    }
    document.querySelectorAll("[data-share-native]").forEach(function (button) {
      if (typeof navigator.share !== "function") return;
      button.parentElement.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: button.dataset.title, text: button.dataset.text, url: button.dataset.url })
          .catch(function () { /* closed without sharing */ });
      });
    });
    document.querySelectorAll("[data-share-copy]").forEach(function (button) {
      if (!window.isSecureContext || !navigator.clipboard) return;
      button.parentElement.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.dataset.url).then(function () {
          say(button, _("Link copied. Paste it in a message or an email."));
        }, function () {
          say(button, _("Could not copy. The address is %(url)s", { url: button.dataset.url }));
        });
      });
    });
  })();

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

  // The practice tracker (issue 5): sessions per day and a hold timer, kept in this browser's
  // localStorage only. Nothing is sent anywhere. Without this script the tracker stays hidden.
  (function () {
    var root = document.querySelector("[data-tracker]");
    if (!root) return;
    var KEEP_DAYS = 60;
    var key = "backlying-practice:" + window.location.pathname;
    var times = parseInt(root.dataset.times, 10) || 1;
    var today = root.querySelector("[data-tracker-today]");
    var week = root.querySelector("[data-tracker-week]");
    var undo = root.querySelector("[data-tracker-undo]");
    var saved = true;
    var counts = load();

    function dayKey(date) {
      var month = String(date.getMonth() + 1).padStart(2, "0");
      return date.getFullYear() + "-" + month + "-" + String(date.getDate()).padStart(2, "0");
    }
    function daysAgo(n) {
      var date = new Date();
      date.setHours(12, 0, 0, 0);  // noon: a daylight-saving change never skips or repeats a day
      date.setDate(date.getDate() - n);
      return date;
    }
    function load() {
      try {
        var data = JSON.parse(window.localStorage.getItem(key) || "{}");
        return data && typeof data === "object" ? data : {};
      } catch (error) {
        saved = false;
        return {};
      }
    }
    function save() {
      var oldest = dayKey(daysAgo(KEEP_DAYS));
      Object.keys(counts).forEach(function (day) { if (day < oldest) delete counts[day]; });
      try {
        window.localStorage.setItem(key, JSON.stringify(counts));
      } catch (error) {
        saved = false;
      }
    }
    function sessions(n) { return ngettext("%(num)s session", "%(num)s sessions", n); }
    function describeToday(n) {
      var text;
      if (n === 0) text = _("Not done yet today.");
      else if (times === 1) text = n === 1 ? _("Done today.") : ngettext("Done today: %(num)s session.", "Done today: %(num)s sessions.", n);
      else text = ngettext("Today: %(done)s of %(num)s session done.", "Today: %(done)s of %(num)s sessions done.", times,
                           { done: numbers ? numbers.format(n) : n }) + (n >= times ? " " + _("Well done.") : "");
      return saved ? text : text + " " + _("(This browser cannot keep it after you leave the page.)");
    }
    function render() {
      var n = counts[dayKey(new Date())] || 0;
      today.textContent = describeToday(n);
      root.classList.toggle("is-done", n >= times);
      undo.disabled = n === 0;
      var items = [];
      for (var i = 6; i >= 0; i -= 1) {
        var date = daysAgo(i);
        var count = counts[dayKey(date)] || 0;
        var item = document.createElement("li");
        item.className = count >= times ? "done" : count > 0 ? "some" : "none";
        var day = document.createElement("span");
        day.className = "tracker-day";
        day.textContent = date.toLocaleDateString(lang, { weekday: "short" });
        var mark = document.createElement("span");
        mark.className = "tracker-mark";
        mark.setAttribute("aria-hidden", "true");
        mark.textContent = count >= times ? "✓" : count > 0 ? String(count) : "–";
        var full = document.createElement("span");
        full.className = "visually-hidden";
        full.textContent = date.toLocaleDateString(lang, { weekday: "long", day: "numeric", month: "long" }) +
          ": " + (count ? sessions(count) : _("not done"));
        day.setAttribute("aria-hidden", "true");
        item.append(day, mark, full);
        items.push(item);
      }
      week.replaceChildren.apply(week, items);
    }
    function change(delta) {
      var day = dayKey(new Date());
      counts[day] = Math.max(0, (counts[day] || 0) + delta);
      if (!counts[day]) delete counts[day];
      save();
      render();
    }
    root.querySelector("[data-tracker-done]").addEventListener("click", function () { change(1); });
    undo.addEventListener("click", function () { change(-1); });
    window.addEventListener("storage", function (event) {
      if (event.key === key) { counts = load(); render(); }
    });
    render();
    root.hidden = false;

    var display = root.querySelector("[data-timer-display]");
    if (!display) return;
    var status = root.querySelector("[data-timer-status]");
    var stop = root.querySelector("[data-timer-stop]");
    var ticking = null;
    var endsAt = 0;
    function show(seconds) {
      display.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    }
    function halt(message) {
      window.clearInterval(ticking);
      ticking = null;
      stop.disabled = true;
      root.classList.remove("is-timing");
      status.textContent = message;
    }
    // Whole minutes are the dosage's minutes (a hold of 60 s or more reads as minutes too).
    function started(seconds) {
      if (seconds % 60 === 0) return ngettext("Timer started: %(num)s minute.", "Timer started: %(num)s minutes.", seconds / 60);
      return ngettext("Timer started: a %(num)s-second hold.", "Timer started: a %(num)s-second hold.", seconds);
    }
    function tick() {
      var left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
      show(left);
      if (left === 0) {
        halt(_("Time is up. Let your baby rest."));
        if (navigator.vibrate) navigator.vibrate(200);
      }
    }
    root.querySelectorAll("[data-timer-start]").forEach(function (button) {
      button.addEventListener("click", function () {
        var seconds = parseInt(button.dataset.timerStart, 10);
        window.clearInterval(ticking);
        endsAt = Date.now() + seconds * 1000;
        show(seconds);
        stop.disabled = false;
        root.classList.add("is-timing");
        status.textContent = started(seconds);
        ticking = window.setInterval(tick, 250);
      });
    });
    stop.addEventListener("click", function () { halt(_("Timer stopped.")); });
  })();
})();
