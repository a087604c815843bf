// The course's additions to the site's behaviour (loaded by _config.yml: html_js_files, `defer`, in
// the head, so it runs after the page is parsed and before the theme's own deferred scripts).
(function () {
  "use strict";

  // ---------------------------------------------------------------- navigation
  // pydata-sphinx-theme 0.17 binds its sidebar dialogs to document.querySelector(".primary-toggle")
  // and (".secondary-toggle"): the first match is its own button in the top bar (#pst-header), which
  // sphinx-book-theme hides, so the visible ☰ and "On this page" buttons of the article header got no
  // handler (pydata-sphinx-theme#2451, sphinx-book-theme#988). The top bar is hidden (course.css: it
  // only held a second search box); take its toggles out of the theme's way before the theme binds.
  var header = document.getElementById("pst-header");
  if (header) {
    header.querySelectorAll(".primary-toggle, .secondary-toggle").forEach(function (b) {
      b.classList.remove("primary-toggle", "secondary-toggle");
    });
  }

  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  // ------------------------------------------------------------- figure zoom
  // Figures scale to the column (course.css); a tap opens the figure at its drawn size in a dialog,
  // which scrolls if the screen is narrower. Escape, a tap on the picture or on ✕ closes it.
  var dialog = null;
  function lightbox() {
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.className = "gan-lightbox";
    dialog.setAttribute("aria-label", "Figure at full size");
    dialog.innerHTML = '<button type="button" class="gan-lightbox-close" aria-label="Close">\u2715</button>' +
      '<div class="gan-lightbox-body"><img alt=""></div>';
    dialog.addEventListener("click", function (e) {
      if (e.target.closest(".gan-lightbox-close") || e.target.tagName === "IMG" || e.target === dialog) { dialog.close(); }
    });
    document.body.appendChild(dialog);
    return dialog;
  }
  function zoom(img) {
    var d = lightbox(), big = d.querySelector("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.alt || "";
    big.style.width = img.naturalWidth ? img.naturalWidth + "px" : "";
    d.showModal();
  }
  function makeZoomable(img) {
    if (img.closest(".jupyter-widgets, a") || img.dataset.ganZoom) { return; }
    img.dataset.ganZoom = "1";
    img.classList.add("gan-zoomable");
    img.setAttribute("tabindex", "0");
    img.setAttribute("role", "button");
    img.setAttribute("title", "Show at full size");
    img.addEventListener("click", function () { zoom(img); });
    img.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); zoom(img); }
    });
  }

  // ------------------------------------------------------- text output blocks
  // A printed table (lines whose columns are lined up with runs of spaces) must keep its lines: it
  // never wraps, and scrolls inside its block if the screen is too narrow. Other output wraps at
  // spaces (course.css).
  function isTable(pre) {
    var lines = pre.textContent.split("\n").filter(function (l) { return l.trim(); });
    if (lines.length < 3) { return false; }
    var aligned = lines.filter(function (l) { return /\S {2,}\S/.test(l) || /[│|┃].*[│|┃]/.test(l); });
    return aligned.length >= Math.max(3, lines.length / 2);
  }

  // A block or an equation wider than its box scrolls sideways: show a shadow on the side where
  // more is hidden, so a reader sees that there is more.
  var SCROLLERS = ".cell_output pre, .cell_input pre, div.highlight pre, div.math, mjx-container[display='true'], " +
    ".pst-scrollable-table-container, .cell_output .output";
  function updateCue(el) {
    var more = el.scrollWidth > el.clientWidth + 1;
    el.classList.toggle("gan-scrolls", more);
    el.classList.toggle("gan-scroll-left", more && el.scrollLeft > 1);
    el.classList.toggle("gan-scroll-right", more && el.scrollLeft + el.clientWidth < el.scrollWidth - 1);
  }
  function updateCues() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      updateCue(el);
      if (!el.dataset.ganCue) {
        el.dataset.ganCue = "1";
        el.addEventListener("scroll", function () { updateCue(el); }, {passive: true});
      }
    });
  }
  var pending = null;
  function later() { clearTimeout(pending); pending = setTimeout(updateCues, 200); }

  // ------------------------------------------------------------ widget manager
  // The saved widget views need the widget manager (require.js and embed-amd.js, 2.9 MB). The page
  // lists their addresses (window.ganWidgetScripts, scripts/site_assets.py) instead of loading them:
  // they are loaded, in order, when a widget view comes within two screens of the visible part of the
  // page (or when window.ganLoadWidgets() is called); embed-amd.js then renders every view.
  var widgetsLoading = false;
  function loadWidgets() {
    var urls = (window.ganWidgetScripts || []).slice();
    if (widgetsLoading || !urls.length) { return; }
    widgetsLoading = true;
    (function next() {
      var url = urls.shift();
      if (!url) { return; }
      var script = document.createElement("script");
      script.src = url;
      script.async = false;
      script.onload = next;
      script.onerror = function () { console.error("could not load " + url); };
      document.head.appendChild(script);
    })();
  }
  window.ganLoadWidgets = loadWidgets;
  function watchWidgets() {
    var views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    if (!views.length || !window.ganWidgetScripts) { return; }
    if (!("IntersectionObserver" in window)) { loadWidgets(); return; }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { observer.disconnect(); loadWidgets(); }
    }, {rootMargin: "200% 0px 200% 0px"});
    views.forEach(function (v) { observer.observe(v.parentElement || v); });
  }

  ready(function () {
    watchWidgets();
    document.querySelectorAll(".cell_output pre").forEach(function (pre) {
      if (isTable(pre)) { pre.classList.add("gan-columns"); }
    });
    document.querySelectorAll(".cell_output img, figure img").forEach(makeZoomable);
    updateCues();
    window.addEventListener("resize", later);
    window.addEventListener("load", later);
    // MathJax typesets after load, widgets render after load: look again when the page changes
    var main = document.getElementById("main-content") || document.body;
    new MutationObserver(later).observe(main, {childList: true, subtree: true});
  });
})();
