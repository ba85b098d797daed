// Progressive enhancement only: every page reads fully without this file.
// Nothing here contacts another host unless the reader clicks (video facade).
(function () {
  "use strict";
  document.querySelectorAll(".video-facade[data-youtube]").forEach(function (facade) {
    var link = facade.querySelector("a.button");
    if (!link) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var frame = document.createElement("iframe");
      frame.src = "https://www.youtube-nocookie.com/embed/" + encodeURIComponent(facade.dataset.youtube) + "?autoplay=1";
      frame.title = facade.dataset.title || "Video";
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
