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
  var script = document.currentScript;

  // Offline reading (issue 23): the service worker (sw.js) keeps the pages opened here, on this device.
  (function () {
    if (!script || !("serviceWorker" in navigator)) return;
    var scope = new URL(script.dataset.scope || "/", location.href).href;
    var caches = window.caches;
    var prefix = "backlying:" + new URL(scope).pathname + ":";
    if (!script.dataset.worker) {
      // Turned off in site.yaml: an earlier build's worker goes, and its caches with it.
      navigator.serviceWorker.getRegistration(scope).then(function (found) {
        if (found && found.scope === scope) found.unregister();
      });
      if (caches) {
        caches.keys().then(function (names) {
          names.forEach(function (name) { if (name.indexOf(prefix) === 0) caches.delete(name); });
        });
      }
      return;
    }
    navigator.serviceWorker.register(script.dataset.worker, { scope: scope }).catch(function () { /* none */ });
    navigator.serviceWorker.addEventListener("message", function (event) {
      var note = document.querySelector("[data-offline-note]");
      if (note && event.data && event.data.type === "kept") note.hidden = false;
    });
    function whenControlled(then) {
      if (navigator.serviceWorker.controller) then();
      else navigator.serviceWorker.addEventListener("controllerchange", then, { once: true });
    }
    // Once the worker handles this page: the pictures still to load are loaded now (through it, so
    // they are kept), and the page is kept with what loaded before it was there.
    window.addEventListener("load", function () {
      whenControlled(function () {
        document.querySelectorAll("img[loading=lazy]").forEach(function (img) { img.loading = "eager"; });
        var loaded = performance.getEntriesByType("resource").map(function (entry) { return entry.name; });
        navigator.serviceWorker.controller.postMessage({ type: "keep", urls: [location.href].concat(loaded) });
      });
    });
    // The offline page lists what is kept.
    var list = document.querySelector("[data-saved-pages]");
    if (!list || !caches) return;
    caches.open(prefix + "pages").then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.slice(-50).reverse().map(function (key) {
          return cache.match(key).then(function (response) { return response.text(); }).then(function (html) {
            var title = new DOMParser().parseFromString(html, "text/html").querySelector("h1");
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = key.url;
            link.textContent = title ? title.textContent : key.url;
            item.append(link);
            return item;
          });
        }));
      });
    }).then(function (items) { list.append.apply(list, items); }, function () { /* none kept */ });
  })();

  (function () {
    document.querySelectorAll(".video-facade[data-youtube]").forEach(function (facade) {
      var link = facade.querySelector("a.button");
      if (!link) return;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var frame = document.createElement("iframe");
        frame.src = "https://www.youtube-nocookie.com/embed/" + encodeURIComponent(facade.dataset.youtube) + "?autoplay=1" +
          (facade.dataset.start ? "&start=" + encodeURIComponent(facade.dataset.start) : "");
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
    var offer = root.querySelector("[data-timer-count]");
    var soundButton = root.querySelector("[data-timer-sound]");
    var SOUND_KEY = "backlying-timer-sound";  // "off" when turned off; on this device, for every post
    var ticking = null;
    var endsAt = 0;
    var audio = null;  // made on a tap: a browser starts sound only after one (iOS above all)
    var lock = null;  // the screen kept awake while a timer runs (Screen Wake Lock, where there is one)
    function show(seconds) {
      display.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    }
    var sound = true;
    try { sound = window.localStorage.getItem(SOUND_KEY) !== "off"; } catch (error) { /* on */ }
    function prepareSound() {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context || !sound) return;
      if (!audio) audio = new Context();
      if (audio.state === "suspended") audio.resume();
    }
    // Three short rising beeps, made here: no sound file, nothing fetched.
    function chime() {
      if (!audio || !sound) return;
      var now = audio.currentTime;
      [660, 880, 1100].forEach(function (pitch, i) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        var at = now + i * 0.25;
        tone.frequency.value = pitch;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
        tone.connect(gain);
        gain.connect(audio.destination);
        tone.start(at);
        tone.stop(at + 0.22);
      });
    }
    function keepAwake() {
      if (!navigator.wakeLock || document.visibilityState !== "visible") return;
      navigator.wakeLock.request("screen").then(function (sentinel) {
        if (ticking && !lock) lock = sentinel;
        else sentinel.release();  // stopped (or locked again) while the browser was asking
      }, function () { /* refused (battery saver): the timer runs all the same */ });
    }
    function letSleep() {
      if (lock) lock.release().catch(function () {});
      lock = null;
    }
    // A hidden page loses its lock: take it again when the parent comes back to a running timer.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        if (ticking) keepAwake();
      } else {
        letSleep();
      }
    });
    function halt(message) {
      window.clearInterval(ticking);
      ticking = null;
      stop.disabled = true;
      root.classList.remove("is-timing");
      status.textContent = message;
      letSleep();
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
        chime();
        if (navigator.vibrate) navigator.vibrate(200);
        offer.hidden = false;
      }
    }
    root.querySelectorAll("[data-timer-start]").forEach(function (button) {
      button.addEventListener("click", function () {
        var seconds = parseInt(button.dataset.timerStart, 10);
        prepareSound();
        window.clearInterval(ticking);
        endsAt = Date.now() + seconds * 1000;
        show(seconds);
        stop.disabled = false;
        offer.hidden = true;
        root.classList.add("is-timing");
        status.textContent = started(seconds);
        ticking = window.setInterval(tick, 250);
        keepAwake();
      });
    });
    offer.querySelector("button").addEventListener("click", function () {
      offer.hidden = true;
      change(1);
      today.setAttribute("tabindex", "-1");
      today.focus();  // the button is gone: the line that counted it has the focus, and says it
    });
    soundButton.setAttribute("aria-pressed", String(sound));
    soundButton.addEventListener("click", function () {
      sound = !sound;
      try { window.localStorage.setItem(SOUND_KEY, sound ? "on" : "off"); } catch (error) { /* for this visit */ }
      soundButton.setAttribute("aria-pressed", String(sound));
      prepareSound();
    });
    stop.addEventListener("click", function () { halt(_("Timer stopped.")); });
  })();
})();
