/* The status page's photo and video viewer: a full-screen layer over the page, tap (or the
   zoom button) to zoom in and drag/scroll to look around, arrows to go through the pictures.
   Without it the thumbnails are plain links to the files. */
(function () {
  "use strict";
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }
  function button(cls, text, label) { var b = el("button", "viewer-btn " + cls, text); b.type = "button"; b.setAttribute("aria-label", label); return b; }

  document.addEventListener("DOMContentLoaded", function () {
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-view]"));
    if (!links.length) return;
    var layer = el("div", "viewer"), stage = el("div", "viewer-stage"), bar = el("div", "viewer-bar");
    var close = button("viewer-close", "×", "关闭"), zoom = button("viewer-zoom", "放大", "放大或还原");
    var prev = button("viewer-prev", "‹", "上一张"), next = button("viewer-next", "›", "下一张");
    var count = el("span", "viewer-count");
    layer.setAttribute("role", "dialog"); layer.setAttribute("aria-modal", "true"); layer.hidden = true;
    bar.append(prev, count, next, zoom, close);
    layer.append(stage, bar);
    document.body.appendChild(layer);
    var at = 0;

    function setZoom(on) { layer.classList.toggle("zoomed", on); zoom.textContent = on ? "还原" : "放大"; }
    function show(i) {
      at = (i + links.length) % links.length;
      var a = links[at], item;
      stage.textContent = "";
      setZoom(false);
      if (a.dataset.view === "video") {
        item = el("video"); item.controls = true; item.autoplay = true; item.playsInline = true;
        item.poster = a.href + "?poster=1"; item.src = a.href;
        zoom.hidden = true;
      } else {
        item = el("img"); item.src = a.href; item.alt = a.querySelector("img").alt;
        item.addEventListener("click", function () { setZoom(!layer.classList.contains("zoomed")); });
        zoom.hidden = false;
      }
      stage.appendChild(item);
      count.textContent = (at + 1) + " / " + links.length;
      prev.hidden = next.hidden = links.length < 2;
    }
    function open(i) { show(i); layer.hidden = false; document.documentElement.classList.add("viewer-open"); close.focus(); }
    function shut() { stage.textContent = ""; layer.hidden = true; document.documentElement.classList.remove("viewer-open"); links[at].focus(); }

    links.forEach(function (a, i) { a.addEventListener("click", function (e) { e.preventDefault(); open(i); }); });
    close.addEventListener("click", shut);
    zoom.addEventListener("click", function () { setZoom(!layer.classList.contains("zoomed")); });
    prev.addEventListener("click", function () { show(at - 1); });
    next.addEventListener("click", function () { show(at + 1); });
    document.addEventListener("keydown", function (e) {
      if (layer.hidden) return;
      if (e.key === "Escape") shut();
      else if (e.key === "ArrowLeft") show(at - 1);
      else if (e.key === "ArrowRight") show(at + 1);
    });
  });
})();
