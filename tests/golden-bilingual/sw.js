// The guide's service worker (issue 23): the pages a reader opened, their pictures, styles and
// scripts, and the search index, kept on this device so they open again without a connection. No
// framework; Workbox's strategies: network first for pages (a cached copy when the network fails,
// else the offline page), cache first for files named by their content, stale-while-revalidate
// for the search index's other files. Nothing is sent anywhere; another host's requests are never
// answered here, nor kept. Made by backlying-site from templates/sw.js.
"use strict";
var VERSION = "c1d2c80e18b3";  // of what the offline pages are made of (render/offline.py)
var SCOPE = "/guide/";  // the site's base path
var PREFIX = "backlying:" + SCOPE + ":";  // this site's caches, not another's on the same host
var SHELL = PREFIX + "shell:" + VERSION;  // the offline pages and what they need, per version
var PAGES = PREFIX + "pages";  // the pages a reader opened, kept from one build to the next
var FILES = PREFIX + "files";  // their pictures, styles, scripts, and the search index
var PRECACHE = ["/guide/es/offline/", "/guide/offline/", "/guide/static/css/site.ada64245.css", "/guide/static/js/site.83fc89bf.js", "/guide/static/favicon.svg"];
var OFFLINE = [["/guide/es/", "/guide/es/offline/"], ["/guide/", "/guide/offline/"]];  // [a language's folder, its offline page], the longest first
var HASHED = ["/guide/static/", "/guide/images/", "/guide/pagefind/fragment/", "/guide/pagefind/index/"];  // folders whose files are named by their content
var SEARCH = "/guide/pagefind/";
var KEEP = { pages: 200, files: 1000 };  // past these, the oldest go

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(PRECACHE); }));
});

// The new version takes over once no page uses the old one (the next visit); a first one at once,
// so the page that installed it is kept with its pictures as they load.
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX + "shell:") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function startsWith(url, folder) { return url.pathname.indexOf(folder) === 0; }

// A page is the same page whatever its query (the search page's ?q=).
function pageKey(url) { return url.origin + url.pathname; }

// A response that was redirected cannot answer a navigation: keep its body and headers only.
function plain(response) {
  if (!response.redirected) return Promise.resolve(response);
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  });
}

function put(name, key, response, most) {
  return caches.open(name).then(function (cache) {
    return cache.put(key, response).then(function () {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.slice(0, Math.max(0, keys.length - most)).map(function (old) { return cache.delete(old); }));
      });
    });
  });
}

function offlinePage(url) {
  var found = OFFLINE.filter(function (pair) { return startsWith(url, pair[0]); })[0] || OFFLINE[OFFLINE.length - 1];
  return caches.match(found[1]);
}

function networkFirst(event, url) {
  return fetch(event.request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      event.waitUntil(plain(copy).then(function (kept) { return put(PAGES, pageKey(url), kept, KEEP.pages); }));
    }
    return response;
  }, function () {
    return caches.match(pageKey(url), { cacheName: PAGES }).then(function (found) { return found || offlinePage(url); });
  });
}

function fetchAndKeep(event, request, key) {
  return fetch(request).then(function (response) {
    if (response.ok) event.waitUntil(put(FILES, key || request, response.clone(), KEEP.files));
    return response;
  });
}

// Offline, a picture the page now wants at another size or in another format is answered with
// any kept variant of it: same name and content hash ("step-1.9071998e."), another width.
function anyVariant(url) {
  var name = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  var stem = name.split(".").slice(0, 2).join(".") + ".";
  return caches.open(FILES).then(function (cache) {
    return cache.keys().then(function (keys) {
      var same = keys.filter(function (key) {
        var other = new URL(key.url).pathname;
        return other.slice(other.lastIndexOf("/") + 1).indexOf(stem) === 0;
      })[0];
      return same ? cache.match(same) : Response.error();
    });
  });
}

function cacheFirst(event, url) {
  return caches.match(event.request).then(function (found) {
    return found || fetchAndKeep(event, event.request).catch(function () {
      if (startsWith(url, SCOPE + "images/")) return anyVariant(url);
      return Response.error();
    });
  });
}

// Kept by address without its query: Pagefind asks for its entry file with a new ?ts= each time.
function staleWhileRevalidate(event, url) {
  var key = url.origin + url.pathname;
  var fresh = fetchAndKeep(event, event.request, key);
  event.waitUntil(fresh.catch(function () {}));
  return caches.match(key).then(function (found) { return found || fresh; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !startsWith(url, SCOPE)) return;
  if (request.headers.has("range")) return;  // a video's parts: the browser's own business
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, url));
  } else if (HASHED.some(function (folder) { return startsWith(url, folder); })) {
    event.respondWith(cacheFirst(event, url));
  } else if (startsWith(url, SEARCH)) {
    event.respondWith(staleWhileRevalidate(event, url));
  }
});

// A page asks to be kept with what it has loaded so far (site.js, once the page has loaded): the
// first time, this worker did not see those requests. It answers once the page itself is kept.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls) || !data.urls.length) return;
  event.waitUntil(keep(data.urls).then(function () {
    if (event.source) event.source.postMessage({ type: "kept" });
  }, function () { /* the page could not be kept: no note */ }));
});

function keep(urls) {
  var page = new URL(urls[0]);
  var files = urls.slice(1).map(function (address) { return new URL(address); }).filter(function (url) {
    return url.origin === self.location.origin && startsWith(url, SCOPE) &&
      (HASHED.some(function (folder) { return startsWith(url, folder); }) || startsWith(url, SEARCH));
  });
  return Promise.all([keepOne(PAGES, pageKey(page), KEEP.pages)].concat(files.map(function (url) {
    var key = startsWith(url, SEARCH) ? url.origin + url.pathname : url.href;
    return keepOne(FILES, key, KEEP.files).catch(function () { /* a file: the page reads without it */ });
  })));
}

function keepOne(name, key, most) {
  return caches.match(key).then(function (found) {
    if (found) return found;
    return fetch(key).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + key);
      return plain(response).then(function (kept) { return put(name, key, kept, most); });
    });
  });
}
